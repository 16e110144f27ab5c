// Package calendar builds Podium's iCalendar objects with arran4/golang-ical: the public
// downloads and the feed (METHOD:PUBLISH), personal invites and their updates (METHOD:REQUEST)
// and cancellations (METHOD:CANCEL).
package calendar

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/panel"
)

// noRSVP keeps calendars from mailing the organizer an acceptance for every attendee.
var noRSVP = &ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"FALSE"}}

// alarmBefore is when calendars remind of an event on their own, beside Podium's reminder mails.
const alarmBefore = 15 * time.Minute

// Builder writes calendars for one installation: UIDs and links use its public address.
type Builder struct {
	baseURL  *url.URL
	messages *i18n.Bundle
}

// New returns a builder for the service at baseURL.
func New(baseURL *url.URL, messages *i18n.Bundle) *Builder {
	return &Builder{baseURL: baseURL, messages: messages}
}

// Item is an event with the agenda its calendar entry lists.
type Item struct {
	Event  *event.Event
	Agenda []panel.AgendaItem
}

// Attendee is the person a personal invite is for.
type Attendee struct {
	Name, Email, Language string
	// JoinURL is the attendee's personal join link (/r/{token}/join), which leads into the
	// meeting at the right time and records attendance. The event's own meeting URL never goes
	// into a calendar: a forwarded invite would let anyone in, unseen.
	JoinURL string
}

// ErrOutOfRange means that an event's times lie outside the years Podium accepts, so no calendar
// is written for it. Validation refuses such events; one stored before that rule may remain.
var ErrOutOfRange = fmt.Errorf("the event lies outside the years %d to %d", domain.MinYear, domain.MaxYear)

// Writable tells whether a calendar can be written for e: nil, or an error wrapping ErrOutOfRange.
func Writable(e *event.Event) error {
	loc := e.Zone()
	if !domain.TimeInRange(e.StartsAt, loc) || !domain.TimeInRange(e.EndsAt, loc) {
		return fmt.Errorf("calendar: event %d: %w", e.ID, ErrOutOfRange)
	}
	return nil
}

func writable(items []Item) error {
	var errs []error
	for _, it := range items {
		errs = append(errs, Writable(it.Event))
	}
	return errors.Join(errs...)
}

// Publish returns the events as a public calendar: no attendee, and no join link, which only
// people with a seat receive. It fails if any event is not Writable.
func (b *Builder) Publish(items []Item, now time.Time) ([]byte, error) {
	if err := writable(items); err != nil {
		return nil, err
	}
	cal := b.calendar(ics.MethodPublish, items)
	cal.SetXWRCalName("Podium")
	cal.SetRefreshInterval("PT1H", ics.WithValue("DURATION"))
	cal.SetXPublishedTTL("PT1H")
	for _, it := range items {
		b.vevent(cal, it, nil, "", it.Event.Language, now)
	}
	return serialize(cal), nil
}

// Request returns the attendee's personal invite: for an online event its LOCATION and URL are
// the attendee's personal join link. Sent again with a higher SEQUENCE (the event's revision)
// under the same UID, it updates the entry in the attendee's calendar. It fails if the event
// is not Writable.
func (b *Builder) Request(it Item, a Attendee, now time.Time) ([]byte, error) {
	if err := Writable(it.Event); err != nil {
		return nil, err
	}
	cal := b.calendar(ics.MethodRequest, []Item{it})
	joinURL := ""
	if it.Event.OnlineURL != "" {
		joinURL = a.JoinURL
	}
	b.vevent(cal, it, &a, joinURL, a.Language, now)
	return serialize(cal), nil
}

// Personal returns the event for a holder of a personal join link to save: the entry of their
// invite (same UID and SEQUENCE, so it replaces rather than doubles it) with the join link as
// its place, but as METHOD:PUBLISH and without ATTENDEE, since the link alone must not tell
// whose it is. It fails if the event is not Writable.
func (b *Builder) Personal(it Item, joinURL, lang string, now time.Time) ([]byte, error) {
	if err := Writable(it.Event); err != nil {
		return nil, err
	}
	cal := b.calendar(ics.MethodPublish, []Item{it})
	if it.Event.OnlineURL == "" {
		joinURL = ""
	}
	b.vevent(cal, it, nil, joinURL, lang, now)
	return serialize(cal), nil
}

// Cancel returns the cancellation of the attendee's copy of the event: the event was cancelled,
// or the attendee cancelled their registration. It carries no join link: whoever gets it holds
// no seat (any more). It fails if the event is not Writable.
func (b *Builder) Cancel(it Item, a Attendee, now time.Time) ([]byte, error) {
	if err := Writable(it.Event); err != nil {
		return nil, err
	}
	cal := b.calendar(ics.MethodCancel, []Item{it})
	ev := b.vevent(cal, it, &a, "", a.Language, now)
	ev.SetStatus(ics.ObjectStatusCancelled)
	return serialize(cal), nil
}

// UID names the event in every calendar, for ever: invites, updates, cancellations and the feed.
func (b *Builder) UID(e *event.Event) string {
	return fmt.Sprintf("podium-event-%d@%s", e.ID, b.baseURL.Hostname())
}

func (b *Builder) calendar(method ics.Method, items []Item) *ics.Calendar {
	cal := ics.NewCalendarFor("Podium")
	cal.SetProductId("-//Podium//Podium Events//DE")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(method)
	zones := map[string][2]time.Time{}
	var names []string
	for _, it := range items {
		e := it.Event
		span, seen := zones[e.Timezone]
		if !seen {
			names = append(names, e.Timezone)
			span = [2]time.Time{e.StartsAt, e.EndsAt}
		}
		if e.StartsAt.Before(span[0]) {
			span[0] = e.StartsAt
		}
		if e.EndsAt.After(span[1]) {
			span[1] = e.EndsAt
		}
		zones[e.Timezone] = span
	}
	for _, name := range names {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue // validation admits only zones that load
		}
		cal.AddVTimezone(vtimezone(loc, zones[name][0], zones[name][1]))
	}
	return cal
}

// vevent adds the event; joinURL, the personal join link, is given only for a person holding a
// seat.
func (b *Builder) vevent(cal *ics.Calendar, it Item, a *Attendee, joinURL, lang string, now time.Time) *ics.VEvent {
	e := it.Event
	ev := cal.AddEvent(b.UID(e))
	ev.SetDtStampTime(now.UTC())
	if !e.CreatedAt.IsZero() {
		ev.SetCreatedTime(e.CreatedAt.UTC())
		ev.SetModifiedAt(e.UpdatedAt.UTC())
	}
	ev.SetSequence(e.Revision)
	ev.SetProperty(ics.ComponentPropertyDtStart, e.StartsAt.In(e.Zone()).Format(localLayout), ics.WithTZID(e.Timezone))
	ev.SetProperty(ics.ComponentPropertyDtEnd, e.EndsAt.In(e.Zone()).Format(localLayout), ics.WithTZID(e.Timezone))
	ev.SetSummary(text(e.Title))
	eventURL := b.baseURL.String() + "/events/" + e.Slug
	// In a personal invite the join link is the place people go to, and the link calendars
	// offer to open; other calendars have no join link and name the place, or say the event is
	// online, and link the event page. The event page stays in the description.
	if joinURL != "" {
		ev.SetURL(joinURL)
	} else {
		ev.SetURL(eventURL)
	}
	switch {
	case joinURL != "":
		ev.SetLocation(joinURL)
	case e.Location != "":
		ev.SetLocation(text(e.Location))
	case e.OnlineURL != "":
		ev.SetLocation(b.messages.T(lang, "event.online", nil))
	}
	ev.SetDescription(b.description(it, lang, joinURL, eventURL))
	if e.OrganizerEmail != "" {
		ev.AddProperty(withCN(ics.ComponentPropertyOrganizer, e.OrganizerName), "mailto:"+e.OrganizerEmail)
	}
	if a != nil {
		ev.AddProperty(withCN(ics.ComponentPropertyAttendee, a.Name), "mailto:"+a.Email, ics.CalendarUserTypeIndividual,
			ics.ParticipationRoleReqParticipant, ics.ParticipationStatusAccepted, noRSVP)
	}
	ev.SetTimeTransparency(ics.TransparencyOpaque)
	if e.Status == event.StatusCancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
		return ev
	}
	ev.SetStatus(ics.ObjectStatusConfirmed)
	alarm := ev.AddAlarm()
	alarm.SetAction(ics.ActionDisplay)
	alarm.SetTrigger(fmt.Sprintf("-PT%dM", int(alarmBefore.Minutes())))
	alarm.SetProperty(ics.ComponentPropertyDescription, text(e.Title))
	return ev
}

// description is what calendars show under the title: the subtitle, the agenda in the event's
// time zone, and the links. Outlook shows the mail body instead, which carries the same links.
func (b *Builder) description(it Item, lang, joinURL, eventURL string) string {
	e := it.Event
	var parts []string
	if e.Subtitle != "" {
		parts = append(parts, e.Subtitle)
	}
	if e.Description != "" {
		parts = append(parts, e.Description)
	}
	if len(it.Agenda) > 0 {
		lines := []string{b.messages.T(lang, "event.agenda", nil) + ":"}
		for _, a := range it.Agenda {
			lines = append(lines, i18n.ClockSpan(a.StartsAt, a.EndsAt, e.Zone(), lang)+"  "+a.Title)
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	if joinURL != "" {
		if e.Location != "" {
			parts = append(parts, b.messages.T(lang, "event.where", nil)+": "+e.Location)
		}
		parts = append(parts, b.messages.T(lang, "mail.join", nil)+": "+joinURL)
	}
	parts = append(parts, b.messages.T(lang, "mail.event", nil)+": "+eventURL)
	return text(strings.Join(parts, "\n\n"))
}

// text prepares a TEXT value: golang-ical escapes backslashes, commas, semicolons and line
// feeds, but a carriage return would break the line, so line breaks become plain line feeds.
func text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// withCN names a calendar user property (ORGANIZER, ATTENDEE) with the person's name as its CN
// parameter. golang-ical backslash-escapes parameter values, which RFC 5545 does not know and
// other parsers show literally, so the parameter is written here, onto the property name, which
// golang-ical copies as it is: quoted, with RFC 6868's escapes for what quotes cannot hold.
func withCN(prop ics.ComponentProperty, name string) ics.ComponentProperty {
	return ics.ComponentProperty(string(prop) + ";" + string(ics.ParameterCn) + "=" + quotedParam(name))
}

// quotedParam writes a name as a quoted parameter value that every name survives: a double quote
// becomes ^' and a caret ^^ (RFC 6868); white space, line breaks included, becomes single spaces,
// as in the mail headers; other control characters, which a quoted value cannot hold, are dropped.
func quotedParam(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.Join(strings.Fields(s), " ") {
		switch {
		case r == '"':
			b.WriteString("^'")
		case r == '^':
			b.WriteString("^^")
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func serialize(cal *ics.Calendar) []byte {
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}
