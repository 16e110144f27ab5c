package web

import (
	"fmt"
	"strings"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// Chart geometry in SVG user units; the SVG scales to the page's width.
const (
	chartWidth  = 600
	chartHeight = 160
	barWidth    = 360 // the longest bar; labels sit left of the bars
	barHeight   = 28
)

// lineChart is the registrations over time, cumulative, drawn as one polyline. Days keeps the
// numbers for the table that says the same in words.
type lineChart struct {
	Width, Height int
	Points        string
	Total         int
	Days          []chartDay
}

type chartDay struct {
	Date       string
	N, Running int
}

func timelineChart(days []registration.Day) *lineChart {
	if len(days) == 0 {
		return nil
	}
	c := &lineChart{Width: chartWidth, Height: chartHeight}
	for _, d := range days {
		c.Total += d.N
		c.Days = append(c.Days, chartDay{Date: d.Date.Format("2006-01-02"), N: d.N, Running: c.Total})
	}
	points := make([]string, 0, len(c.Days)+1)
	step := float64(chartWidth)
	if len(c.Days) > 1 {
		step = float64(chartWidth) / float64(len(c.Days)-1)
	}
	for i, d := range c.Days {
		x := step * float64(i)
		y := float64(chartHeight) - float64(d.Running)/float64(c.Total)*float64(chartHeight-10)
		points = append(points, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	if len(points) == 1 { // one day: a flat line across the chart
		points = append(points, fmt.Sprintf("%d,%s", chartWidth, strings.Split(points[0], ",")[1]))
	}
	c.Points = strings.Join(points, " ")
	return c
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
