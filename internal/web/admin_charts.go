package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/registration"
)

// Chart geometry in SVG user units; the SVG scales to the page's width, text included.
const (
	chartWidth  = 600
	chartHeight = 160
	barWidth    = 360 // the longest bar; labels sit left of the bars
	barHeight   = 28
)

// The registration timeline's plot area inside its SVG: room for the count labels on the left
// and the dates below.
const (
	plotLeft   = 64
	plotRight  = 588
	plotTop    = 12
	plotBottom = 150
	timeHeight = 176
)

// lineChart is the registrations over time, cumulative, drawn as one polyline over a time axis
// and a count axis. Days keeps the numbers for the table that says the same in words.
type lineChart struct {
	Width, Height int
	Left, Right   int // the plot area's edges
	Top, Bottom   int
	Points        string
	Dots          []chartPoint // each day's total, when there are few enough days to mark
	YTicks        []chartTick
	XTicks        []chartTick
	Total         int
	Days          []chartDay
}

type chartPoint struct{ X, Y float64 }

type chartTick struct {
	At    float64
	Label string
}

type chartDay struct {
	Date       string
	N, Running int
}

// maxDots is how many days get a dot on the line; beyond it the dots would merge into a bar.
const maxDots = 60

func timelineChart(days []registration.Day, lang string) *lineChart {
	if len(days) == 0 {
		return nil
	}
	c := &lineChart{Width: chartWidth, Height: timeHeight, Left: plotLeft, Right: plotRight, Top: plotTop, Bottom: plotBottom}
	for _, d := range days {
		c.Total += d.N
		c.Days = append(c.Days, chartDay{Date: i18n.ShortDate(d.Date, time.UTC, lang), N: d.N, Running: c.Total})
	}
	top := niceCeiling(c.Total)
	for _, v := range []int{0, top / 2, top} {
		c.YTicks = append(c.YTicks, chartTick{At: c.y(v, top), Label: i18n.Number(v, lang)})
	}
	first, last := days[0].Date, days[len(days)-1].Date
	span := last.Sub(first).Hours() / 24
	x := func(t time.Time) float64 {
		if span == 0 { // one day: its point in the middle
			return float64(plotLeft+plotRight) / 2
		}
		return plotLeft + t.Sub(first).Hours()/24/span*(plotRight-plotLeft)
	}
	c.XTicks = append(c.XTicks, chartTick{At: x(first), Label: i18n.ShortDate(first, time.UTC, lang)})
	if span > 0 {
		c.XTicks = append(c.XTicks, chartTick{At: x(last), Label: i18n.ShortDate(last, time.UTC, lang)})
	}
	points := make([]string, 0, len(days)+1)
	running := 0
	for _, d := range days {
		running += d.N
		p := chartPoint{X: x(d.Date), Y: c.y(running, top)}
		points = append(points, fmt.Sprintf("%.1f,%.1f", p.X, p.Y))
		if len(days) <= maxDots {
			c.Dots = append(c.Dots, p)
		}
	}
	c.Points = strings.Join(points, " ")
	return c
}

// y is where a count lies on the count axis, which runs from 0 to top.
func (c *lineChart) y(n, top int) float64 {
	return plotBottom - float64(n)/float64(top)*(plotBottom-plotTop)
}

// niceCeiling is the smallest even round number at or above n (1, 2, 4, 6, 10, 20, 40,
// 100 ...), so that the axis ends on a number a reader takes in at a glance and its middle
// tick is whole.
func niceCeiling(n int) int {
	if n <= 2 {
		return 2
	}
	for scale := 1; ; scale *= 10 {
		for _, step := range []int{2, 4, 6, 8, 10} {
			if step*scale >= n {
				return step * scale
			}
		}
	}
}

// answerChart is the distribution of one question's answers as horizontal bars.
type answerChart struct {
	Question string
	Height   int
	Bars     []answerBar
}

type answerBar struct {
	Answer string
	N      int
	Y      int
	Width  int
}

func answerCharts(e *event.Event, counts map[string][]registration.AnswerCount) []answerChart {
	var out []answerChart
	for _, q := range e.Questions {
		answers, ok := counts[q.Key]
		if !ok {
			continue
		}
		most := 1
		for _, a := range answers {
			most = max(most, a.N)
		}
		c := answerChart{Question: q.Label, Height: len(answers) * barHeight}
		for i, a := range answers {
			c.Bars = append(c.Bars, answerBar{Answer: a.Answer, N: a.N, Y: i * barHeight, Width: a.N * barWidth / most})
		}
		out = append(out, c)
	}
	return out
}
