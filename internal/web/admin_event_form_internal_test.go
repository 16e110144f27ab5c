package web

import (
	"slices"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/domain"
)

// Reminders are typed as people say them and stored as the API's durations; what is no
// duration reaches the domain as typed, so that its problem names it.
func TestReminderOffsetsAsTyped(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"24h, 1h":           {"24h", "1h"},
		"2 Tage; 30 min":    {"48h", "30m"},
		"1 Tag\n1 h 30 min": {"24h", "1h30m"},
		" 3 Stunden , ":     {"3h"},
		"":                  {},
		"24h, morgen":       {"24h", "morgen"},
		"1 day, 90 Minuten": {"24h", "90m"},
	}
	for typed, want := range cases {
		if got := reminderOffsets(typed); !slices.Equal(got, want) {
			t.Errorf("reminderOffsets(%q) = %q, want %q", typed, got, want)
		}
	}
}

// A date and a clock are read in the event's zone; a time given in part, or not a time, is a
// problem of its field, and nothing at all is no time.
func TestReadWhen(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	v := &domain.ValidationError{}
	if got := readWhen(v, "starts_at", "2030-03-31", "02:30", berlin); got == nil || got.In(berlin).Format("15:04") != "03:30" {
		t.Errorf("a clock the change to summer time skips: %v", got)
	}
	if got := readWhen(v, "starts_at", "2027-03-04", "17:00:00", berlin); got == nil || !got.Equal(time.Date(2027, 3, 4, 17, 0, 0, 0, berlin)) {
		t.Errorf("a clock with seconds: %v", got)
	}
	if got := readWhen(v, "starts_at", "", "", berlin); got != nil || len(v.Fields) != 0 {
		t.Errorf("nothing given: %v %v", got, v.Fields)
	}
	for _, bad := range [][2]string{{"2027-02-30", "17:00"}, {"2027-03-04", ""}, {"", "17:00"}, {"04.03.2027", "17:00"}} {
		v := &domain.ValidationError{}
		if got := readWhen(v, "ends_at", bad[0], bad[1], berlin); got != nil || len(v.Fields) != 1 || v.Fields[0].Code != "date_time" {
			t.Errorf("%q: %v %+v", bad, got, v.Fields)
		}
	}
}
