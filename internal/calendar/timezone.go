package calendar

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/podium-events/podium/internal/domain"
)

// zoneMargin is how far around the events a VTIMEZONE describes the zone's transitions, so a
// calendar that moves an entry a little still finds the right offset.
const zoneMargin = 366 * 24 * time.Hour

// maxZoneSteps bounds the walk over a zone's periods. A year has a handful at most (two clock
// changes, and the year's end, where Go's zone data starts a new period without a change), and
// calendars cover only the years Podium accepts, with a year of margin on either side.
const maxZoneSteps = 4 * (domain.MaxYear - domain.MinYear + 3)

// vtimezone describes loc from Go's zone data between from and to: one STANDARD or DAYLIGHT
// observance per period, each starting at its real transition. Listing the transitions instead of
// an RRULE keeps the description true for years whose rules differ (2020 and 2027 alike).
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	from, to = from.Add(-zoneMargin), to.Add(zoneMargin)
	type period struct {
		name   string
		offset int
		dst    bool
	}
	var last *period
	t := from
	for range maxZoneSteps {
		local := t.In(loc)
		start, end := local.ZoneBounds()
		name, offset := local.Zone()
		p := period{name, offset, local.IsDST()}
		// A period that changes nothing (the year's end in Go's zone data) is no observance.
		if last == nil || p != *last {
			addObservance(tz, loc, start, p.name, p.offset, p.dst)
			last = &p
		}
		if end.IsZero() || end.After(to) {
			break
		}
		// Past the transitions it lists, Go computes them by rule, and at the end of a leap year
		// ZoneBounds can end a period where it began (Europe/Berlin on 31.12.2040): step over it.
		if !end.After(t) {
			end = t.Add(24 * time.Hour)
		}
		t = end
	}
	return tz
}

// addObservance adds the period of loc that began at start (zero: always) with the zone's name,
// offset and daylight saving time.
func addObservance(tz *ics.VTimezone, loc *time.Location, start time.Time, name string, offset int, dst bool) {
	before := offset
	if !start.IsZero() {
		_, before = start.Add(-time.Second).In(loc).Zone()
	}
	var c *ics.ComponentBase
	if dst {
		d := &ics.Daylight{}
		tz.Components = append(tz.Components, d)
		c = &d.ComponentBase
	} else {
		c = &tz.AddStandard().ComponentBase
	}
	// DTSTART is the local time of the transition as the clock showed it before.
	dtstart := "19700101T000000"
	if !start.IsZero() {
		dtstart = start.In(time.FixedZone("", before)).Format(localLayout)
	}
	c.SetProperty(ics.ComponentPropertyDtStart, dtstart)
	c.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), utcOffset(before))
	c.SetProperty(ics.ComponentProperty("TZOFFSETTO"), utcOffset(offset))
	c.SetProperty(ics.ComponentProperty("TZNAME"), name)
}

// localLayout is a DATE-TIME in local time, to be read with the TZID beside it.
const localLayout = "20060102T150405"

// utcOffset writes seconds east of UTC as iCalendar's UTC-OFFSET: +0200, -0330, +053328.
func utcOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
