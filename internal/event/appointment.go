package event

import "time"

// Appointment is what an attendee's calendar holds of an event: its title, its time in its
// zone, its place and its join URL. An update after a move tells the attendee the appointment
// as it was and as it is.
type Appointment struct {
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Timezone  string    `json:"timezone"`
	Location  string    `json:"location"`
	OnlineURL string    `json:"online_url"`
}

// Appointment returns the event's appointment as it is.
func (e *Event) Appointment() Appointment {
	return Appointment{Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Timezone: e.Timezone,
		Location: e.Location, OnlineURL: e.OnlineURL}
}

// Zone is the appointment's time zone; an unknown name (which validation never lets through)
// is UTC.
func (a Appointment) Zone() *time.Location {
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
