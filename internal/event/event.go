// Package event holds events: their fields and rules, their custom registration questions, and
// the SQL that stores them.
package event

import (
	"strings"
	"time"
)

// Statuses of an event.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusCancelled = "cancelled"
)

// Kinds of custom registration questions.
const (
	KindText     = "text"
	KindTextarea = "textarea"
	KindSelect   = "select"
	KindCheckbox = "checkbox"
)

// DefaultReminderOffsets are sent before an event unless it says otherwise.
var DefaultReminderOffsets = []time.Duration{24 * time.Hour, time.Hour}

// DefaultTimezone is used when an event names none.
const DefaultTimezone = "Europe/Berlin"

// Event is one event or websession. Its OnlineURL lets whoever has it into the meeting, so it
// is left out of the event's JSON: the web layer adds it for the event's organizers and for
// people holding a seat.
type Event struct {
	ID                   int64      `db:"id" json:"id"`
	Slug                 string     `db:"slug" json:"slug"`
	Title                string     `db:"title" json:"title"`
	Subtitle             string     `db:"subtitle" json:"subtitle"`
	Description          string     `db:"description" json:"description"`
	StartsAt             time.Time  `db:"starts_at" json:"starts_at"`
	EndsAt               time.Time  `db:"ends_at" json:"ends_at"`
	Timezone             string     `db:"timezone" json:"timezone"`
	Location             string     `db:"location" json:"location"`
	OnlineURL            string     `db:"online_url" json:"-"`
	Hosts                []string   `db:"-" json:"hosts"`
	OrganizerName        string     `db:"organizer_name" json:"organizer_name"`
	OrganizerEmail       string     `db:"organizer_email" json:"organizer_email"`
	Capacity             *int       `db:"capacity" json:"capacity"`
	RegistrationOpensAt  *time.Time `db:"registration_opens_at" json:"registration_opens_at"`
	RegistrationClosesAt time.Time  `db:"registration_closes_at" json:"registration_closes_at"`
	Status               string     `db:"status" json:"status"`
	Language             string     `db:"language" json:"language"`
	DoubleOptIn          bool       `db:"double_opt_in" json:"double_opt_in"`
	Waitlist             bool       `db:"waitlist" json:"waitlist"`
	Moderation           bool       `db:"moderation" json:"moderation"`
	ReminderOffsets      Offsets    `db:"-" json:"reminder_offsets"`
	Revision             int        `db:"revision" json:"revision"`
	Version              int64      `db:"version" json:"-"` // counts every change; the API's ETag
	Questions            []Question `db:"-" json:"questions"`
	CreatedAt            time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt            time.Time  `db:"updated_at" json:"updated_at"`
	CancelledAt          *time.Time `db:"cancelled_at" json:"cancelled_at,omitempty"`
	// CancelMessage is what the organizers told the attendees when they cancelled the event.
	CancelMessage string `db:"cancel_message" json:"cancel_message,omitempty"`
}

// Question is a custom question asked at registration, such as the Kommunentyp.
type Question struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Kind     string   `json:"kind"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
}

// Zone returns the event's time zone; validation guarantees that it loads.
func (e *Event) Zone() *time.Location {
	loc, err := time.LoadLocation(e.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// IsPast tells whether the event has ended at now.
func (e *Event) IsPast(now time.Time) bool { return !e.EndsAt.After(now) }

// IsPublic tells whether anyone may see the event: published or cancelled, not a draft.
func (e *Event) IsPublic() bool { return e.Status != StatusDraft }

// Offsets are reminder offsets before the start; in JSON a list of Go durations ("24h", "1h30m").
type Offsets []time.Duration

// MarshalJSON writes each offset in its shortest Go duration form.
func (o Offsets) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + FormatDuration(d) + `"`)
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// FormatDuration writes d as Go does, without zero minutes and seconds: "24h", not "24h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// RegistrationOpen tells whether people may register at now: the event is published and now is
// inside its registration window.
func (e *Event) RegistrationOpen(now time.Time) bool {
	if e.Status != StatusPublished || !now.Before(e.RegistrationClosesAt) {
		return false
	}
	return e.RegistrationOpensAt == nil || !now.Before(*e.RegistrationOpensAt)
}

// RegistrationNotYetOpen tells whether registration for a published event opens later than now.
func (e *Event) RegistrationNotYetOpen(now time.Time) bool {
	return e.Status == StatusPublished && e.RegistrationOpensAt != nil && now.Before(*e.RegistrationOpensAt)
}
