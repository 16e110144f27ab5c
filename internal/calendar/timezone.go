package calendar

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// zoneMargin is how far around the events a VTIMEZONE describes the zone's transitions, so a
// calendar that moves an entry a little still finds the right offset.
const zoneMargin = 366 * 24 * time.Hour

// vtimezone describes loc from Go's zone data between from and to: one STANDARD or DAYLIGHT
// observance per period, each starting at its real transition. Listing the transitions instead of
// an RRULE keeps the description true for years whose rules differ (2020 and 2027 alike).
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	from, to = from.Add(-zoneMargin), to.Add(zoneMargin)
	t := from
	for {
		start, end := t.In(loc).ZoneBounds()
		name, offset := t.In(loc).Zone()
		before := offset
		if !start.IsZero() {
			_, before = start.Add(-time.Second).In(loc).Zone()
		}
		var c *ics.ComponentBase
		if t.In(loc).IsDST() {
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
		if end.IsZero() || end.After(to) {
			return tz
		}
		t = end
	}
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
