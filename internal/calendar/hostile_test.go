package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/calendar/icaltest"
)

// within runs f and fails the test if it has not returned after d: a calendar that loops must
// fail the test, not hang it.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v", d)
	}
}

// Past the transitions Go's zone data lists, at the end of a leap year (31.12.2040 in Berlin),
// the time zone description once looped for ever. Calendars across such years, and at both ends
// of the years Podium accepts, are written at once and read with the offsets Go computes.
func TestTimezonesAcrossLeapYearsAndTheEdges(t *testing.T) {
	t.Parallel()
	b := builder(t)
	cases := []struct {
		zone string
		at   time.Time
	}{
		{"Europe/Berlin", time.Date(2040, 6, 1, 15, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2040, 12, 31, 16, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2041, 1, 1, 5, 0, 0, 0, time.UTC)},
		{"Pacific/Auckland", time.Date(2044, 12, 31, 9, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2200, 12, 31, 20, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)},
	}
	var items []calendar.Item
	for i, c := range cases {
		e := *websession().Event
		e.ID, e.Timezone, e.StartsAt, e.EndsAt = int64(i+1), c.zone, c.at, c.at.Add(time.Hour)
		items = append(items, calendar.Item{Event: &e})
	}
	var raw []byte
	within(t, 10*time.Second, func() { raw, _ = b.Publish(items, now) })
	if n := strings.Count(string(raw), "BEGIN:STANDARD") + strings.Count(string(raw), "BEGIN:DAYLIGHT"); n > 2000 {
		t.Errorf("%d time zone observances", n)
	}
	cal := icaltest.Parse(t, raw)
	for i, c := range cases {
		loc, _ := time.LoadLocation(c.zone)
		_, offset := c.at.In(loc).Zone()
		if ev := cal.Events[i]; ev.Offset != offset || ev.Start != c.at.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("%s at %s: ical.js reads %s with offset %d, Go says offset %d", c.zone, c.at, ev.Start, ev.Offset, offset)
		}
	}
}

// An event stored before the years were checked (31.12.9999 at -14:00, New Year 10000 in UTC)
// gets no calendar, at once, instead of a loop that grows until the process dies.
func TestNoCalendarOutsideTheYears(t *testing.T) {
	t.Parallel()
	b := builder(t)
	it := websession()
	it.Event.StartsAt = time.Date(9999, 12, 31, 20, 0, 0, 0, time.FixedZone("-14:00", -14*3600))
	it.Event.EndsAt = it.Event.StartsAt.Add(time.Hour)
	within(t, 10*time.Second, func() {
		if _, err := b.Publish([]calendar.Item{websession(), it}, now); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("Publish: %v", err)
		}
		if _, err := b.Request(it, anna, now); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("Request: %v", err)
		}
		if _, err := b.Cancel(it, anna, now); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("Cancel: %v", err)
		}
	})
	if err := calendar.Writable(websession().Event); err != nil {
		t.Errorf("the websession: %v", err)
	}
}

// Every name reaches calendars as it was typed: quotes, backslashes, commas, colons, semicolons,
// carets, umlauts and emoji, for the organizer and the attendee; white space, line breaks
// included, becomes single spaces as in the mail headers.
func TestNamesSurviveAsCN(t *testing.T) {
	t.Parallel()
	b := builder(t)
	names := map[string]string{
		`Anna "Ann" Meyer`:                 `Anna "Ann" Meyer`,
		`Meyer\`:                           `Meyer\`,
		`Müller, Praxis: Dr.; Amt`:         `Müller, Praxis: Dr.; Amt`,
		"Zoë ^n O'Brien ^' ^^":             "Zoë ^n O'Brien ^' ^^",
		"Kommune 🏛️ Pattensen":             "Kommune 🏛️ Pattensen",
		"Anna\r\nMeyer\tKöln":              "Anna Meyer Köln",
		strings.Repeat("Ämterlotsin ", 30): strings.TrimSpace(strings.Repeat("Ämterlotsin ", 30)),
	}
	for name, want := range names {
		it := websession()
		it.Event.OrganizerName = name
		ev := icaltest.Parse(t, must(t)(b.Request(it, calendar.Attendee{Name: name, Email: "a@example.org", Language: "de"}, now))).Events[0]
		if ev.OrganizerCN != want || len(ev.Attendees) != 1 || ev.Attendees[0].CN != want {
			t.Errorf("%q: organizer %q, attendees %+v, want %q", name, ev.OrganizerCN, ev.Attendees, want)
		}
	}
}
