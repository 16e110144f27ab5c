package web

import (
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/registration"
)

// The registration chart reads for one registration as for 10,000: its count axis ends on a
// round number at or above the total, labelled in the reader's digit grouping, and its dates
// name the first and the last day; a single day is a dot in the middle, not a line from nowhere.
func TestTimelineChartAxes(t *testing.T) {
	day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

	one := timelineChart([]registration.Day{{Date: day, N: 1}}, "de")
	if len(one.Dots) != 1 || one.Dots[0].X != float64(plotLeft+plotRight)/2 || one.Dots[0].Y <= plotTop || one.Dots[0].Y >= plotBottom {
		t.Errorf("one registration: dots %v", one.Dots)
	}
	if labels(one.XTicks) != "01.10.2026" || labels(one.YTicks) != "0 1 2" {
		t.Errorf("one registration: dates %q, counts %q", labels(one.XTicks), labels(one.YTicks))
	}

	var days []registration.Day
	for i := range 100 {
		days = append(days, registration.Day{Date: day.AddDate(0, 0, i), N: 100})
	}
	many := timelineChart(days, "de")
	if labels(many.YTicks) != "0 5.000 10.000" || labels(many.XTicks) != "01.10.2026 08.01.2027" {
		t.Errorf("10,000 registrations: counts %q, dates %q", labels(many.YTicks), labels(many.XTicks))
	}
	if many.Dots != nil || !strings.HasPrefix(many.Points, "64.0,148.6 ") || !strings.HasSuffix(many.Points, " 588.0,12.0") {
		t.Errorf("10,000 registrations: line %q…, %d dots", many.Points[:20], len(many.Dots))
	}
	if got := labels(timelineChart(days[:3], "en").YTicks); got != "0 200 400" {
		t.Errorf("300 registrations in English: counts %q", got)
	}
}

func labels(ticks []chartTick) string {
	var out []string
	for _, t := range ticks {
		out = append(out, t.Label)
	}
	return strings.Join(out, " ")
}
