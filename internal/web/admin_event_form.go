package web

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// Layouts of <input type="date"> and <input type="time">.
const (
	dateInput = "2006-01-02"
	timeInput = "15:04"
)

// timezones are the zones the event form offers, the event's own first when it has another.
var timezones = []string{"Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Luxembourg", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Paris", "Europe/Copenhagen", "Europe/Warsaw", "Europe/Prague", "Europe/London",
	"Europe/Helsinki", "Europe/Athens", "UTC", "America/New_York", "Asia/Tokyo"}

// eventForm is an event's fields as the organizer sees and types them: times as a date and a
// clock in the event's zone, hosts one per line, reminders as "24h, 1h", capacity empty for
// unlimited.
type eventForm struct {
	Title, Subtitle, Description, Slug string
	Hosts, Language                    string
	Timezone                           string
	StartDate, StartTime               string
	EndDate, EndTime                   string
	Location, OnlineURL                string
	Capacity                           string
	Waitlist, DoubleOptIn, Moderation  bool
	OpensDate, OpensTime               string
	ClosesDate, ClosesTime             string
	Reminders                          string
	OrganizerName, OrganizerEmail      string
}

// eventFormOf fills the form with an input: a new event's defaults or an event as it is.
func eventFormOf(in event.Input) eventForm {
	loc := time.UTC
	if l, err := time.LoadLocation(in.Timezone); err == nil {
		loc = l
	}
	f := eventForm{Title: in.Title, Subtitle: in.Subtitle, Description: in.Description, Slug: in.Slug,
		Hosts: strings.Join(in.Hosts, "\n"), Language: in.Language, Timezone: in.Timezone,
		Location: in.Location, OnlineURL: in.OnlineURL,
		Waitlist: in.Waitlist, DoubleOptIn: in.DoubleOptIn, Moderation: in.Moderation,
		Reminders: strings.Join(in.ReminderOffsets, ", "), OrganizerName: in.OrganizerName, OrganizerEmail: in.OrganizerEmail}
	f.StartDate, f.StartTime = dateAndClock(in.StartsAt, loc)
	f.EndDate, f.EndTime = dateAndClock(in.EndsAt, loc)
	if in.RegistrationOpensAt != nil {
		f.OpensDate, f.OpensTime = dateAndClock(*in.RegistrationOpensAt, loc)
	}
	if in.RegistrationClosesAt != nil {
		f.ClosesDate, f.ClosesTime = dateAndClock(*in.RegistrationClosesAt, loc)
	}
	if in.Capacity != nil {
		f.Capacity = strconv.Itoa(*in.Capacity)
	}
	return f
}

func dateAndClock(t time.Time, loc *time.Location) (string, string) {
	if t.IsZero() {
		return "", ""
	}
	t = t.In(loc)
	return t.Format(dateInput), t.Format(timeInput)
}

// readEventForm reads the submitted form as it was typed.
func readEventForm(c *gin.Context) eventForm {
	p := c.PostForm
	return eventForm{Title: p("title"), Subtitle: p("subtitle"), Description: p("description"), Slug: p("slug"),
		Hosts: p("hosts"), Language: p("language"), Timezone: p("timezone"),
		StartDate: p("starts_at_date"), StartTime: p("starts_at_time"), EndDate: p("ends_at_date"), EndTime: p("ends_at_time"),
		Location: p("location"), OnlineURL: p("online_url"), Capacity: p("capacity"),
		Waitlist: p("waitlist") == "on", DoubleOptIn: p("double_opt_in") == "on", Moderation: p("moderation") == "on",
		OpensDate: p("registration_opens_at_date"), OpensTime: p("registration_opens_at_time"),
		ClosesDate: p("registration_closes_at_date"), ClosesTime: p("registration_closes_at_time"),
		Reminders: p("reminder_offsets"), OrganizerName: p("organizer_name"), OrganizerEmail: p("organizer_email")}
}

// apply puts the form's values into in, the input of a new event or of the event as it is. What
// cannot even be read (a date of 31 February) is recorded in v; the rest is the domain's to judge.
func (f eventForm) apply(in *event.Input, v *domain.ValidationError) {
	in.Title, in.Subtitle, in.Description, in.Slug = f.Title, f.Subtitle, f.Description, f.Slug
	in.Hosts, in.Language, in.Timezone = lines(f.Hosts), f.Language, strings.TrimSpace(f.Timezone)
	in.Location, in.OnlineURL = f.Location, f.OnlineURL
	in.Waitlist, in.DoubleOptIn, in.Moderation = f.Waitlist, f.DoubleOptIn, f.Moderation
	in.OrganizerName, in.OrganizerEmail = f.OrganizerName, f.OrganizerEmail
	in.ReminderOffsets = reminderOffsets(f.Reminders)
	// An unknown zone is the domain's to name; the times are read in UTC meanwhile.
	loc := time.UTC
	if l, err := time.LoadLocation(in.Timezone); err == nil && in.Timezone != "" && in.Timezone != "Local" {
		loc = l
	}
	in.StartsAt = zeroIfNil(readWhen(v, "starts_at", f.StartDate, f.StartTime, loc))
	endDate := f.EndDate
	if strings.TrimSpace(endDate) == "" && strings.TrimSpace(f.EndTime) != "" {
		endDate = f.StartDate // the same day
	}
	in.EndsAt = zeroIfNil(readWhen(v, "ends_at", endDate, f.EndTime, loc))
	in.RegistrationOpensAt = readWhen(v, "registration_opens_at", f.OpensDate, f.OpensTime, loc)
	in.RegistrationClosesAt = readWhen(v, "registration_closes_at", f.ClosesDate, f.ClosesTime, loc)
	in.Capacity = nil
	if raw := strings.TrimSpace(f.Capacity); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			v.Problem("capacity", "whole_number", nil, "must be a whole number, or empty for no limit")
		}
		in.Capacity = &n
	}
}

// readWhen reads a date and a clock in loc; nil when both are empty. A time given only in part, or
// not at all readable, is a problem of field.
func readWhen(v *domain.ValidationError, field, date, clock string, loc *time.Location) *time.Time {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" && clock == "" {
		return nil
	}
	if len(clock) == len("15:04:05") {
		clock = clock[:len(timeInput)] // a browser that sends seconds
	}
	t, err := time.ParseInLocation(dateInput+" "+timeInput, date+" "+clock, loc)
	if err != nil {
		v.Problem(field, "date_time", nil, "needs a date (YYYY-MM-DD) and a time (HH:MM)")
		return nil
	}
	return &t
}

func zeroIfNil(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// checkedInput adds the domain's judgement of in to the problems found reading the form, so that
// the organizer learns of every problem at once; nil when the form was read without problems
// (the use case then validates in itself).
func checkedInput(in event.Input, read *domain.ValidationError) error {
	if len(read.Fields) == 0 {
		return nil
	}
	var invalid *domain.ValidationError
	if err, ok := in.Validate().(*domain.ValidationError); ok {
		invalid = err
	}
	if invalid != nil {
		for _, f := range invalid.Fields {
			if !read.Has(f.Field) {
				read.Fields = append(read.Fields, f)
			}
		}
	}
	return read
}

// reminderPart reads the friendly forms of a reminder's offset: "2 Tage", "1 h 30 min".
var (
	reminderDays  = regexp.MustCompile(`^(\d{1,3})(d|tag|tage|day|days)$`)
	reminderUnits = strings.NewReplacer("minuten", "m", "minute", "m", "minutes", "m", "min", "m",
		"stunden", "h", "stunde", "h", "std", "h", "hours", "h", "hour", "h")
)

// reminderOffsets reads "24h, 1h" as the offsets ["24h", "1h"], also in the forms people write
// ("2 Tage; 30 min"). An entry that is no duration is passed on as typed, for the domain to name.
func reminderOffsets(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		typed := strings.TrimSpace(part)
		if typed == "" {
			continue
		}
		compact := strings.ToLower(strings.Join(strings.Fields(typed), ""))
		if m := reminderDays.FindStringSubmatch(compact); m != nil {
			days, _ := strconv.Atoi(m[1])
			out = append(out, strconv.Itoa(days*24)+"h")
			continue
		}
		if d := reminderUnits.Replace(compact); validDuration(d) {
			out = append(out, d)
			continue
		}
		out = append(out, typed)
	}
	return out
}

func validDuration(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil
}

// eventFormControl names the control of the event form that shows a domain field's problem.
func eventFormControl(field string) string {
	switch field {
	case "title", "subtitle", "description", "slug", "hosts", "language", "timezone", "starts_at", "ends_at",
		"location", "online_url", "capacity", "registration_opens_at", "registration_closes_at",
		"reminder_offsets", "organizer_name", "organizer_email":
		return field
	}
	return ""
}

// groups lays the form out in fieldsets, in the words of lang, with the problems by control.
func (f eventForm) groups(s *Server, lang string, errs map[string]string) []fieldGroup {
	m := fieldMaker{s: s, lang: lang, prefix: "e-", errs: errs}
	t := func(id string) string { return s.messages.T(lang, id, nil) }
	zones := []fieldOption{}
	if f.Timezone != "" && !slices.Contains(timezones, f.Timezone) {
		zones = append(zones, fieldOption{Value: f.Timezone, Label: f.Timezone})
	}
	for _, z := range timezones {
		zones = append(zones, fieldOption{Value: z, Label: z})
	}
	languages := []fieldOption{{Value: "de", Label: t("eventform.language.de")}, {Value: "en", Label: t("eventform.language.en")}}
	capacity := m.text("capacity", "eventform.capacity", f.Capacity, false)
	capacity.Kind = "number"
	email := m.text("organizer_email", "eventform.organizer_email", f.OrganizerEmail, true)
	email.Kind, email.Autocomplete = "email", "email"
	online := m.text("online_url", "eventform.online_url", f.OnlineURL, false)
	online.Kind = "url"
	return []fieldGroup{
		{Legend: t("eventform.about"), Fields: []adminField{
			m.text("title", "eventform.title", f.Title, true),
			m.text("subtitle", "eventform.subtitle", f.Subtitle, false),
			m.textarea("description", "eventform.description", f.Description, 8, false),
			m.textarea("hosts", "eventform.hosts", f.Hosts, 3, false),
			m.choice("language", "eventform.language", f.Language, languages),
			m.text("slug", "eventform.slug", f.Slug, false),
		}},
		{Legend: t("eventform.when"), Fields: []adminField{
			m.choice("timezone", "eventform.timezone", f.Timezone, zones),
			m.when("starts_at", "eventform.starts_at", f.StartDate, f.StartTime, true),
			m.when("ends_at", "eventform.ends_at", f.EndDate, f.EndTime, true),
			m.textarea("location", "eventform.location", f.Location, 2, false),
			online,
		}},
		{Legend: t("eventform.registration"), Fields: []adminField{
			capacity,
			m.checkbox("waitlist", "eventform.waitlist", f.Waitlist),
			m.checkbox("double_opt_in", "eventform.double_opt_in", f.DoubleOptIn),
			m.when("registration_opens_at", "eventform.registration_opens_at", f.OpensDate, f.OpensTime, false),
			m.when("registration_closes_at", "eventform.registration_closes_at", f.ClosesDate, f.ClosesTime, false),
			m.text("reminder_offsets", "eventform.reminder_offsets", f.Reminders, false),
			m.checkbox("moderation", "eventform.moderation", f.Moderation),
		}},
		{Legend: t("eventform.organizer"), Fields: []adminField{
			m.text("organizer_name", "eventform.organizer_name", f.OrganizerName, true),
			email,
		}},
	}
}
