package calendar_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/calendar/icaltest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/panel"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func builder(t *testing.T) *calendar.Builder {
	t.Helper()
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://podium.example.org")
	return calendar.New(base, messages)
}

// websession is the demo's "Digitale Kommune: Eine Typfrage?" at 17:00 Berlin time.
func websession() calendar.Item {
	start := time.Date(2020, 10, 29, 16, 0, 0, 0, time.UTC)
	e := &event.Event{ID: 7, Slug: "digitale-kommune-eine-typfrage", Title: "Digitale Kommune: Eine Typfrage?",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Timezone: "Europe/Berlin",
		OnlineURL: "https://konferenz.example/digitale-kommune", OrganizerName: "Kompetenzzentrum Öffentliche IT",
		OrganizerEmail: "veranstaltungen@example.org", Status: event.StatusPublished, Language: "de", Revision: 1,
		CreatedAt: start.Add(-30 * 24 * time.Hour), UpdatedAt: start.Add(-30 * 24 * time.Hour)}
	agenda := []panel.AgendaItem{
		{StartsAt: start, EndsAt: start.Add(25 * time.Minute), Title: "Impulsvortrag: Kommunentypen"},
		{StartsAt: start.Add(25 * time.Minute), EndsAt: start.Add(90 * time.Minute), Title: "Podiumsdiskussion"},
	}
	return calendar.Item{Event: e, Agenda: agenda}
}

// must returns the calendar a builder wrote, failing the test if it could not.
func must(t *testing.T) func([]byte, error) []byte {
	return func(ics []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ics
	}
}

// annasLink is Anna's personal join link, which her invite carries instead of the meeting's.
const annasLink = "https://podium.example.org/r/anna-token/join"

var anna = calendar.Attendee{Name: "Anna Schmidt", Email: "anna.schmidt@example.org", Language: "de", JoinURL: annasLink}

// The invite puts the websession at 17:00 in Berlin, which is 16:00 UTC after the clock change,
// with the attendee accepted and not asked to reply.
func TestInviteAsThunderbirdReadsIt(t *testing.T) {
	t.Parallel()
	b := builder(t)
	cal := icaltest.Parse(t, must(t)(b.Request(websession(), anna, now)))
	if cal.Method != "REQUEST" || len(cal.Events) != 1 {
		t.Fatalf("method %q, %d events", cal.Method, len(cal.Events))
	}
	ev := cal.Events[0]
	if ev.Start != "2020-10-29T16:00:00.000Z" || ev.End != "2020-10-29T17:30:00.000Z" || ev.Zone != "Europe/Berlin" || ev.Offset != 3600 {
		t.Errorf("start %s end %s zone %s offset %d", ev.Start, ev.End, ev.Zone, ev.Offset)
	}
	if ev.UID != "podium-event-7@podium.example.org" || ev.Sequence != 1 || ev.Status != "CONFIRMED" {
		t.Errorf("uid %q sequence %d status %q", ev.UID, ev.Sequence, ev.Status)
	}
	if ev.Organizer != "mailto:veranstaltungen@example.org" || ev.OrganizerCN != "Kompetenzzentrum Öffentliche IT" {
		t.Errorf("organizer %q %q", ev.Organizer, ev.OrganizerCN)
	}
	want := icaltest.Attendee{Address: "mailto:anna.schmidt@example.org", CN: "Anna Schmidt", PartStat: "ACCEPTED", RSVP: "FALSE"}
	if len(ev.Attendees) != 1 || ev.Attendees[0] != want {
		t.Errorf("attendees %+v", ev.Attendees)
	}
	if ev.Location != annasLink || ev.URL != annasLink {
		t.Errorf("location %q url %q, want the personal join link", ev.Location, ev.URL)
	}
	for _, part := range []string{"17:00–17:25 Uhr  Impulsvortrag: Kommunentypen", "Zugang zur Veranstaltung: " + annasLink,
		"https://podium.example.org/events/digitale-kommune-eine-typfrage"} {
		if !strings.Contains(ev.Description, part) {
			t.Errorf("description lacks %q:\n%s", part, ev.Description)
		}
	}
	if strings.Contains(fmt.Sprint(ev), "konferenz.example") {
		t.Errorf("the invite carries the meeting's own URL: %+v", ev)
	}
	if len(ev.Alarms) != 1 || ev.Alarms[0] != "-PT15M" {
		t.Errorf("alarms %v", ev.Alarms)
	}
}

// In July Berlin is on summer time: the same 17:00 is 15:00 UTC, and calendars say +02:00.
func TestSummerTime(t *testing.T) {
	t.Parallel()
	it := websession()
	it.Event.StartsAt = time.Date(2027, 7, 8, 15, 0, 0, 0, time.UTC)
	it.Event.EndsAt = it.Event.StartsAt.Add(time.Hour)
	ev := icaltest.Parse(t, must(t)(builder(t).Request(it, anna, now))).Events[0]
	if ev.Start != "2027-07-08T15:00:00.000Z" || ev.Offset != 7200 {
		t.Errorf("start %s offset %d, want 15:00Z at +02:00", ev.Start, ev.Offset)
	}
}

// The VTIMEZONE comes from Go's zone data, so calendars compute the same offsets as Go, also for
// zones whose rules changed (Brazil dropped summer time in 2019) or have none.
func TestTimezonesMatchGo(t *testing.T) {
	t.Parallel()
	b := builder(t)
	cases := []struct {
		zone string
		at   time.Time
	}{
		{"Europe/Berlin", time.Date(2020, 3, 29, 1, 30, 0, 0, time.UTC)}, // one hour after the change
		{"Europe/Berlin", time.Date(2031, 10, 26, 1, 0, 0, 0, time.UTC)}, // the moment winter time begins
		{"America/New_York", time.Date(2027, 3, 15, 18, 0, 0, 0, time.UTC)},
		{"America/Sao_Paulo", time.Date(2018, 12, 1, 12, 0, 0, 0, time.UTC)},
		{"America/Sao_Paulo", time.Date(2020, 12, 1, 12, 0, 0, 0, time.UTC)},
		{"Australia/Lord_Howe", time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC)}, // a 30-minute shift
		{"Asia/Kolkata", time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC)},
		{"UTC", time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC)},
	}
	var items []calendar.Item
	for i, c := range cases {
		e := *websession().Event
		e.ID, e.Timezone, e.StartsAt, e.EndsAt = int64(i+1), c.zone, c.at, c.at.Add(time.Hour)
		items = append(items, calendar.Item{Event: &e})
	}
	cal := icaltest.Parse(t, must(t)(b.Publish(items, now)))
	if len(cal.Events) != len(cases) {
		t.Fatalf("%d events", len(cal.Events))
	}
	for i, c := range cases {
		loc, _ := time.LoadLocation(c.zone)
		_, offset := c.at.In(loc).Zone()
		ev := cal.Events[i]
		if ev.Offset != offset || ev.Start != c.at.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("%s at %s: ical.js reads %s with offset %d, Go says offset %d", c.zone, c.at, ev.Start, ev.Offset, offset)
		}
	}
}

// An update carries the same UID with a higher SEQUENCE, so calendars move the entry instead of
// adding a second one; a cancellation names the same UID.
func TestUpdateAndCancellationFollowTheInvite(t *testing.T) {
	t.Parallel()
	b := builder(t)
	it := websession()
	first := icaltest.Parse(t, must(t)(b.Request(it, anna, now))).Events[0]
	it.Event.StartsAt = it.Event.StartsAt.Add(time.Hour)
	it.Event.EndsAt = it.Event.EndsAt.Add(time.Hour)
	it.Event.Revision++
	moved := icaltest.Parse(t, must(t)(b.Request(it, anna, now))).Events[0]
	if moved.UID != first.UID || moved.Sequence <= first.Sequence || moved.Start != "2020-10-29T17:00:00.000Z" {
		t.Errorf("update: uid %q sequence %d start %s; first was %q %d", moved.UID, moved.Sequence, moved.Start, first.UID, first.Sequence)
	}

	it.Event.Status = event.StatusCancelled
	it.Event.Revision++
	cancel := icaltest.Parse(t, must(t)(b.Cancel(it, anna, now)))
	ev := cancel.Events[0]
	if cancel.Method != "CANCEL" || ev.Status != "CANCELLED" || ev.UID != first.UID || ev.Sequence < moved.Sequence {
		t.Errorf("cancel: method %q status %q uid %q sequence %d", cancel.Method, ev.Status, ev.UID, ev.Sequence)
	}
	if len(ev.Alarms) != 0 || len(ev.Attendees) != 1 {
		t.Errorf("cancel: alarms %v attendees %+v", ev.Alarms, ev.Attendees)
	}
}

// Whatever people type survives: commas, semicolons, backslashes and line breaks in the title,
// and a name with a comma and a colon in a quoted parameter. No line is longer than 75 octets.
func TestTextSurvivesEscapingAndFolding(t *testing.T) {
	t.Parallel()
	b := builder(t)
	it := websession()
	it.Event.Title = "Kommunen, Länder; Bund \\ alle\r\nzusammen: " + strings.Repeat("Digitalisierung ", 8)
	it.Event.Description = "Erste Zeile\r\nZweite; Zeile, mit Komma"
	guest := calendar.Attendee{Name: "Müller, Praxis: Dr.", Email: "mueller@example.org", Language: "de"}
	raw := must(t)(b.Request(it, guest, now))
	ev := icaltest.Parse(t, raw).Events[0]
	if want := "Kommunen, Länder; Bund \\ alle\nzusammen: " + strings.Repeat("Digitalisierung ", 8); ev.Summary != want {
		t.Errorf("summary %q, want %q", ev.Summary, want)
	}
	if !strings.HasPrefix(ev.Description, "Erste Zeile\nZweite; Zeile, mit Komma\n") {
		t.Errorf("description %q", ev.Description)
	}
	if ev.Attendees[0].CN != "Müller, Praxis: Dr." {
		t.Errorf("attendee name %q", ev.Attendees[0].CN)
	}
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the calendar does not end with CRLF")
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(line) > 75 || strings.ContainsAny(line, "\r\n") {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
}

// The public calendar names no attendee and, because only people with a seat get it, carries no
// join link; it says the event is online instead.
func TestPublicCalendarKeepsPersonalThingsOut(t *testing.T) {
	t.Parallel()
	b := builder(t)
	raw := must(t)(b.Publish([]calendar.Item{websession()}, now))
	cal := icaltest.Parse(t, raw)
	ev := cal.Events[0]
	if cal.Method != "PUBLISH" || len(ev.Attendees) != 0 || ev.Location != "Online" {
		t.Errorf("method %q attendees %v location %q", cal.Method, ev.Attendees, ev.Location)
	}
	if bytes.Contains(raw, []byte("konferenz.example")) {
		t.Error("the public calendar contains the join link")
	}
}

// An invite never falls back to the meeting's own URL: without a personal join link it names
// the event as online and links the event page.
func TestInviteWithoutPersonalLinkHasNoMeetingURL(t *testing.T) {
	t.Parallel()
	raw := must(t)(builder(t).Request(websession(), calendar.Attendee{Name: "Anna Schmidt", Email: "anna.schmidt@example.org"}, now))
	if bytes.Contains(raw, []byte("konferenz.example")) {
		t.Fatalf("the invite carries the meeting's URL:\n%s", raw)
	}
	ev := icaltest.Parse(t, raw).Events[0]
	if ev.Location != "Online" || ev.URL != "https://podium.example.org/events/digitale-kommune-eine-typfrage" {
		t.Errorf("location %q url %q", ev.Location, ev.URL)
	}
}
