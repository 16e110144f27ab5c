package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/domain"
)

var start = time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC)

func validInput() Input {
	in := NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "veranstaltungen@example.org"
	in.Questions = []Question{{Key: "kommunentyp", Label: "Welcher Kommunentyp?", Kind: KindSelect, Options: []string{"Die Bedächtigen", "Die Optimierer"}}}
	return in
}

func ptr[T any](v T) *T { return &v }

// Every rule of an event names its field when broken, and nothing else.
func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	later := func(d time.Duration) *time.Time { return ptr(start.Add(d)) }
	manyHosts := make([]string, 11)
	for i := range manyHosts {
		manyHosts[i] = fmt.Sprintf("Host %d", i)
	}
	manyQuestions := make([]Question, 21)
	for i := range manyQuestions {
		manyQuestions[i] = Question{Key: fmt.Sprintf("q%d", i), Label: "Frage", Kind: KindText}
	}
	textQ := func(q Question) []Question { return []Question{q} }
	selectQ := func(options ...string) []Question {
		return []Question{{Key: "typ", Label: "Typ", Kind: KindSelect, Options: options}}
	}
	cases := []struct {
		name   string
		field  string
		change func(*Input)
	}{
		{"slug too short", "slug", func(in *Input) { in.Slug = "ab" }},
		{"slug uppercase", "slug", func(in *Input) { in.Slug = "Digitale-Kommune" }},
		{"slug double hyphen", "slug", func(in *Input) { in.Slug = "digitale--kommune" }},
		{"slug umlaut", "slug", func(in *Input) { in.Slug = "bürger" }},
		{"slug too long", "slug", func(in *Input) { in.Slug = strings.Repeat("a", 81) }},
		{"slug of the page that creates events", "slug", func(in *Input) { in.Slug = "new" }},
		{"title empty", "title", func(in *Input) { in.Title = "   " }},
		{"title 201 characters", "title", func(in *Input) { in.Title = strings.Repeat("ä", 201) }},
		{"subtitle too long", "subtitle", func(in *Input) { in.Subtitle = strings.Repeat("x", 301) }},
		{"description too long", "description", func(in *Input) { in.Description = strings.Repeat("x", 20_001) }},
		{"location too long", "location", func(in *Input) { in.Location = strings.Repeat("x", 301) }},
		{"organizer name empty", "organizer_name", func(in *Input) { in.OrganizerName = "" }},
		{"organizer email empty", "organizer_email", func(in *Input) { in.OrganizerEmail = "" }},
		{"organizer email invalid", "organizer_email", func(in *Input) { in.OrganizerEmail = "keine Adresse" }},
		{"organizer email with name", "organizer_email", func(in *Input) { in.OrganizerEmail = "ÖFIT <a@example.org>" }},
		{"start missing", "starts_at", func(in *Input) { in.StartsAt = time.Time{} }},
		{"end missing", "ends_at", func(in *Input) { in.EndsAt = time.Time{} }},
		{"end equals start", "ends_at", func(in *Input) { in.EndsAt = in.StartsAt }},
		{"end before start", "ends_at", func(in *Input) { in.EndsAt = in.StartsAt.Add(-time.Hour) }},
		{"32 days long", "ends_at", func(in *Input) { in.EndsAt = in.StartsAt.Add(32 * 24 * time.Hour) }},
		{"time zone empty", "timezone", func(in *Input) { in.Timezone = "" }},
		{"time zone unknown", "timezone", func(in *Input) { in.Timezone = "Mars/Olympus" }},
		{"time zone Local", "timezone", func(in *Input) { in.Timezone = "Local" }},
		{"online URL not http", "online_url", func(in *Input) { in.OnlineURL = "ftp://example.org/raum" }},
		{"online URL relative", "online_url", func(in *Input) { in.OnlineURL = "raum-1" }},
		{"online URL too long", "online_url", func(in *Input) { in.OnlineURL = "https://example.org/" + strings.Repeat("a", 2000) }},
		{"eleven hosts", "hosts", func(in *Input) { in.Hosts = manyHosts }},
		{"host too long", "hosts[0]", func(in *Input) { in.Hosts = []string{strings.Repeat("x", 101)} }},
		{"capacity zero", "capacity", func(in *Input) { in.Capacity = ptr(0) }},
		{"capacity negative", "capacity", func(in *Input) { in.Capacity = ptr(-1) }},
		{"capacity too large", "capacity", func(in *Input) { in.Capacity = ptr(1_000_001) }},
		{"registration closes after end", "registration_closes_at", func(in *Input) { in.RegistrationClosesAt = later(2 * time.Hour) }},
		{"registration opens after it closes", "registration_opens_at", func(in *Input) { in.RegistrationOpensAt = later(time.Minute) }},
		{"status cancelled", "status", func(in *Input) { in.Status = StatusCancelled }},
		{"status unknown", "status", func(in *Input) { in.Status = "archived" }},
		{"language", "language", func(in *Input) { in.Language = "fr" }},
		{"reminder not a duration", "reminder_offsets[0]", func(in *Input) { in.ReminderOffsets = []string{"einen Tag"} }},
		{"reminder zero", "reminder_offsets[0]", func(in *Input) { in.ReminderOffsets = []string{"0s"} }},
		{"reminder too early", "reminder_offsets[0]", func(in *Input) { in.ReminderOffsets = []string{"1000h"} }},
		{"reminder fraction of a second", "reminder_offsets[0]", func(in *Input) { in.ReminderOffsets = []string{"90.5s"} }},
		{"reminder twice", "reminder_offsets[1]", func(in *Input) { in.ReminderOffsets = []string{"24h", "1440m"} }},
		{"six reminders", "reminder_offsets", func(in *Input) { in.ReminderOffsets = []string{"1h", "2h", "3h", "4h", "5h", "6h"} }},
		{"21 questions", "questions", func(in *Input) { in.Questions = manyQuestions }},
		{"question key empty", "questions[0].key", func(in *Input) { in.Questions = textQ(Question{Label: "L", Kind: KindText}) }},
		{"question key uppercase", "questions[0].key", func(in *Input) { in.Questions = textQ(Question{Key: "Typ", Label: "L", Kind: KindText}) }},
		{"question key starts with digit", "questions[0].key", func(in *Input) { in.Questions = textQ(Question{Key: "1typ", Label: "L", Kind: KindText}) }},
		{"question key twice", "questions[1].key", func(in *Input) {
			in.Questions = []Question{{Key: "typ", Label: "L", Kind: KindText}, {Key: "typ", Label: "L2", Kind: KindText}}
		}},
		{"question label empty", "questions[0].label", func(in *Input) { in.Questions = textQ(Question{Key: "typ", Kind: KindText}) }},
		{"question label too long", "questions[0].label", func(in *Input) {
			in.Questions = textQ(Question{Key: "typ", Label: strings.Repeat("x", 301), Kind: KindText})
		}},
		{"question kind unknown", "questions[0].kind", func(in *Input) { in.Questions = textQ(Question{Key: "typ", Label: "L", Kind: "radio"}) }},
		{"select with one option", "questions[0].options", func(in *Input) { in.Questions = selectQ("nur eine") }},
		{"select option twice", "questions[0].options[1]", func(in *Input) { in.Questions = selectQ("a", "a") }},
		{"select option empty", "questions[0].options[1]", func(in *Input) { in.Questions = selectQ("a", " ") }},
		{"text question with options", "questions[0].options", func(in *Input) {
			in.Questions = textQ(Question{Key: "typ", Label: "L", Kind: KindText, Options: []string{"a", "b"}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.change(&in)
			err := in.Validate()
			var v *domain.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if len(v.Fields) != 1 || v.Fields[0].Field != c.field {
				t.Fatalf("fields %+v, want exactly %s", v.Fields, c.field)
			}
			// Pages name the problem in the reader's language by its code.
			if v.Fields[0].Code == "" || v.Fields[0].Message == "" {
				t.Errorf("the problem %+v has no code or no message", v.Fields[0])
			}
		})
	}
}

// A problem's code and the values its text names: what a page says in German, while the English
// message stays what API clients have always read.
func TestProblemCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		change  func(*Input)
		field   string
		code    string
		params  domain.Params
		message string
	}{
		{func(in *Input) { in.Title = "" }, "title", "required", nil, "is required"},
		{func(in *Input) { in.Title = strings.Repeat("x", 201) }, "title", "too_long", domain.Params{"Max": 200}, "must be at most 200 characters long"},
		{func(in *Input) { in.Slug = "ab" }, "slug", "too_short", domain.Params{"Min": 3}, "must be at least 3 characters long"},
		{func(in *Input) { in.EndsAt = in.StartsAt }, "ends_at", "not_after", domain.Params{"Other": "starts_at"}, "must be after starts_at"},
		{func(in *Input) { in.EndsAt = in.StartsAt.Add(40 * 24 * time.Hour) }, "ends_at", "max_duration", domain.Params{"Days": 31}, "an event may last at most 31 days"},
		{func(in *Input) { in.Timezone = "Mars/Olympus" }, "timezone", "unknown_timezone", domain.Params{"Zone": "Mars/Olympus"}, `"Mars/Olympus" is not an IANA time zone such as Europe/Berlin`},
		{func(in *Input) { in.Capacity = ptr(0) }, "capacity", "out_of_range", domain.Params{"Min": 1, "Max": 1_000_000}, "must be from 1 to 1000000, or null for unlimited"},
		{func(in *Input) { in.RegistrationClosesAt = ptr(in.EndsAt.Add(time.Hour)) }, "registration_closes_at", "later_than", domain.Params{"Other": "ends_at"}, "must not be after ends_at"},
		{func(in *Input) { in.ReminderOffsets = []string{"morgen"} }, "reminder_offsets[0]", "invalid_duration", domain.Params{"Value": "morgen"}, `"morgen" is not a duration such as 24h or 1h30m`},
		{func(in *Input) { in.ReminderOffsets = []string{"1000h"} }, "reminder_offsets[0]", "out_of_range", domain.Params{"Min": "1m", "Max": "720h"}, "must be from 1m to 720h"},
		{func(in *Input) { in.Questions[0].Options = in.Questions[0].Options[:1] }, "questions[0].options", "option_count", domain.Params{"Min": 2, "Max": 50}, "a select question needs 2 to 50 options"},
		{func(in *Input) { in.Language = "fr" }, "language", "one_of", domain.Params{"Values": "de, en"}, "must be de or en"},
	}
	for _, c := range cases {
		in := validInput()
		c.change(&in)
		var v *domain.ValidationError
		if !errors.As(in.Validate(), &v) || len(v.Fields) != 1 {
			t.Fatalf("%s: %v", c.field, in.Validate())
		}
		f := v.Fields[0]
		if f.Field != c.field || f.Code != c.code || fmt.Sprint(f.Params) != fmt.Sprint(c.params) || f.Message != c.message {
			t.Errorf("got %+v, want %s %s %v %q", f, c.field, c.code, c.params, c.message)
		}
	}
}

// Limits count characters, not bytes, and surrounding spaces are forgiven.
func TestValidateAcceptsTheEdges(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.Title = "  " + strings.Repeat("ä", 200) + "  "
	in.Slug = strings.Repeat("a", 80)
	in.Capacity = ptr(1_000_000)
	in.Hosts = []string{" ÖFIT ", "", "KGSt"}
	in.ReminderOffsets = []string{"720h", "1m", "1h30m", "24h", "10m"}
	in.RegistrationOpensAt = ptr(start.Add(-30 * 24 * time.Hour))
	in.RegistrationClosesAt = ptr(in.EndsAt)
	v, err := in.validate()
	if err != nil {
		t.Fatal(err)
	}
	if len([]rune(v.Title)) != 200 || len(v.Hosts) != 2 || v.Hosts[0] != "ÖFIT" || len(v.offsets) != 5 || !v.closesAt.Equal(in.EndsAt) {
		t.Errorf("normalised input: title %d runes, hosts %q, offsets %v, closes %v", len([]rune(v.Title)), v.Hosts, v.offsets, v.closesAt)
	}
	if err := validInput().Validate(); err != nil {
		t.Errorf("valid input: %v", err)
	}
}

// Slugs derived from German titles spell umlauts out and stay short.
func TestDerivedSlugs(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Digitale Kommune: Eine Typfrage?": "digitale-kommune-eine-typfrage",
		"Übergänge für Bürgerinnen":        "uebergaenge-fuer-buergerinnen",
		"Straße & Öffentlichkeit":          "strasse-und-oeffentlichkeit",
		"?!":                               "veranstaltung",
		"Open_Data Tag":                    "open-data-tag",
		"E-Government_2030":                "e-government-2030",
		"New":                              "veranstaltung-new", // /admin/events/new is the page that creates events
	}
	for title, want := range cases {
		got := derivedSlugs(title)
		if got[0] != want || got[1] != want+"-2" {
			t.Errorf("derivedSlugs(%q) = %q, %q", title, got[0], got[1])
		}
		// A later PATCH starts from the stored slug, so it must pass the organizer's own rule.
		in := validInput()
		in.Slug = got[1]
		if err := in.Validate(); err != nil {
			t.Errorf("derived slug %q is rejected: %v", got[1], err)
		}
	}
	long := derivedSlugs(strings.Repeat("Verwaltungsdigitalisierung ", 10))
	if len(long[len(long)-1]) > maxSlugLen || !slugPattern.MatchString(long[0]) {
		t.Errorf("long title gives %q", long[len(long)-1])
	}
}

// Validate reads like a check: the form shown again after an error keeps what was typed.
func TestValidateLeavesTheCallersInputAlone(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.Questions = []Question{{Key: " amt ", Label: " Amt ", Kind: " select ", Options: []string{" a ", "b"}}}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	if q := in.Questions[0]; q.Key != " amt " || q.Kind != " select " || q.Options[0] != " a " {
		t.Errorf("Validate changed the caller's question: %+v", q)
	}
}

// Reminder offsets read as people write them.
func TestOffsetsJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Offsets{24 * time.Hour, 90 * time.Minute, 45 * time.Minute, 90 * time.Second})
	if err != nil || string(b) != `["24h","1h30m","45m","1m30s"]` {
		t.Fatalf("%s, %v", b, err)
	}
}

// Registration is open only for published events and only inside the window.
func TestRegistrationWindow(t *testing.T) {
	t.Parallel()
	opens := start.Add(-7 * 24 * time.Hour)
	e := &Event{Status: StatusPublished, StartsAt: start, RegistrationOpensAt: &opens, RegistrationClosesAt: start}
	cases := []struct {
		status     string
		at         time.Time
		open, soon bool
	}{
		{StatusPublished, opens.Add(-time.Minute), false, true},
		{StatusPublished, opens, true, false},
		{StatusPublished, start.Add(-time.Second), true, false},
		{StatusPublished, start, false, false},
		{StatusDraft, opens.Add(time.Hour), false, false},
		{StatusCancelled, opens.Add(time.Hour), false, false},
	}
	for _, c := range cases {
		e.Status = c.status
		if e.RegistrationOpen(c.at) != c.open || e.RegistrationNotYetOpen(c.at) != c.soon {
			t.Errorf("%s at %v: open %v, not yet %v", c.status, c.at, e.RegistrationOpen(c.at), e.RegistrationNotYetOpen(c.at))
		}
	}
}

// A copy moves every time by as much as its start and becomes a draft with the same questions.
func TestCopyInput(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.Status = StatusPublished
	in.RegistrationOpensAt = ptr(start.Add(-14 * 24 * time.Hour))
	in.RegistrationClosesAt = ptr(start.Add(-24 * time.Hour))
	v, err := in.validate()
	if err != nil {
		t.Fatal(err)
	}
	original := &Event{StartsAt: v.StartsAt, EndsAt: v.EndsAt, Timezone: v.Timezone, Status: v.Status, Title: v.Title,
		OrganizerName: v.OrganizerName, OrganizerEmail: v.OrganizerEmail, Language: v.Language, Questions: v.Questions,
		RegistrationOpensAt: v.RegistrationOpensAt, RegistrationClosesAt: v.closesAt, ReminderOffsets: Offsets(v.offsets)}
	later := start.AddDate(0, 7, 3).Add(-time.Hour)
	c := CopyInput(original, Copy{Title: "Wiederholung", StartsAt: later})
	shift := later.Sub(start)
	if c.Status != StatusDraft || c.Title != "Wiederholung" || c.Slug != "" || !c.StartsAt.Equal(later) ||
		!c.EndsAt.Equal(original.EndsAt.Add(shift)) || !c.RegistrationOpensAt.Equal(original.RegistrationOpensAt.Add(shift)) ||
		!c.RegistrationClosesAt.Equal(original.RegistrationClosesAt.Add(shift)) || len(c.Questions) != 1 {
		t.Errorf("the copy's input: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the copy does not validate: %v", err)
	}
}

// Keys made from labels are valid, short and unlike the event's other keys.
func TestQuestionKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		label string
		taken []string
		want  string
	}{
		{"Welcher Kommunentyp?", nil, "welcher_kommunentyp"},
		{"Wie groß ist Ihre Kommune?", []string{"wie_gross_ist_ihre_kommune"}, "wie_gross_ist_ihre_kommune_2"},
		{"2 Fragen", nil, "frage_2_fragen"},
		{"???", nil, "frage"},
		{strings.Repeat("Verwaltungsdigitalisierung ", 5), nil, "verwaltungsdigitalisierung_verwaltungsd"[:37]},
	}
	for _, c := range cases {
		got := QuestionKey(c.label, c.taken)
		if got != c.want || len(got) > maxQuestionKeyLen || !questionKeyPattern.MatchString(got) {
			t.Errorf("QuestionKey(%q) = %q, want %q", c.label, got, c.want)
		}
	}
}
