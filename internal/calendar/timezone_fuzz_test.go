package calendar

import (
	"strconv"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// observance is a STANDARD or DAYLIGHT of a VTIMEZONE as a calendar reads it.
type observance struct {
	start  time.Time
	offset int
}

func utcOffsetSeconds(t *testing.T, s string) int {
	t.Helper()
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	return sign * (h*3600 + m*60 + sec)
}

func observances(t *testing.T, tz *ics.VTimezone) []observance {
	t.Helper()
	var out []observance
	for _, c := range tz.Components {
		var base *ics.ComponentBase
		switch o := c.(type) {
		case *ics.Standard:
			base = &o.ComponentBase
		case *ics.Daylight:
			base = &o.ComponentBase
		default:
			t.Fatalf("unexpected component %T", c)
		}
		dtstart := base.GetProperty(ics.ComponentPropertyDtStart).Value
		from := utcOffsetSeconds(t, base.GetProperty(ics.ComponentProperty("TZOFFSETFROM")).Value)
		start, err := time.ParseInLocation(localLayout, dtstart, time.FixedZone("", from))
		if err != nil {
			t.Fatalf("DTSTART %q: %v", dtstart, err)
		}
		out = append(out, observance{start, utcOffsetSeconds(t, base.GetProperty(ics.ComponentProperty("TZOFFSETTO")).Value)})
	}
	return out
}

// FuzzTimezone describes zones over any span within the years Podium accepts: the description is
// bounded, and at every sampled instant a calendar reading it finds the offset Go computes.
func FuzzTimezone(f *testing.F) {
	zones := []string{"Europe/Berlin", "America/New_York", "Pacific/Auckland", "Australia/Lord_Howe",
		"America/Sao_Paulo", "Asia/Kolkata", "UTC", "Africa/Casablanca", "Pacific/Chatham", "Antarctica/Troll",
		"Europe/Dublin", "America/Santiago", "Asia/Tehran", "Africa/Cairo", "America/Havana", "Pacific/Apia",
		"Asia/Gaza", "America/Godthab", "Europe/Moscow", "Pacific/Norfolk", "America/St_Johns", "Asia/Kathmandu"}
	for _, zone := range zones {
		f.Add(zone, int64(2_240_611_200), int64(3600)) // 31.12.2040: a leap year past the listed transitions
	}
	f.Add("Europe/Berlin", int64(-2_208_988_800), int64(300*366*86400))
	f.Add("Europe/Berlin", int64(7_289_564_400), int64(3600))
	lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2200, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, zone string, start, span int64) {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			// Any other text picks one of the zones, so that the fuzzer reaches them all.
			zone = zones[len(zone)%len(zones)]
			loc, _ = time.LoadLocation(zone)
		}
		// Any start and span within the years, as a feed of events across them has.
		start = lo + (start%(hi-lo)+(hi-lo))%(hi-lo)
		span = (span%(hi-start) + (hi - start)) % (hi - start)
		from, to := time.Unix(start, 0), time.Unix(start+span, 0)
		tz := vtimezone(loc, from, to)
		list := observances(t, tz)
		if len(list) == 0 || len(list) > maxZoneSteps {
			t.Fatalf("%d observances", len(list))
		}
		step := max(to.Sub(from)/97, time.Hour)
		for at := from; !at.After(to); at = at.Add(step) {
			offset, found := 0, false
			for _, o := range list {
				if !o.start.After(at) {
					offset, found = o.offset, true
				}
			}
			if _, want := at.In(loc).Zone(); found && offset != want {
				t.Fatalf("%s at %v: the description says %d, Go says %d", zone, at, offset, want)
			}
		}
	})
}
