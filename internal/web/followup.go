package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/feedback"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/registration"
)

// afterEvent is the dashboard's part after the event: the mail and the survey's answers.
type afterEvent struct {
	Followup *followup.Followup
	Feedback *feedback.Summary
	Chart    *answerChart
}

func (s *Server) loadAfterEvent(ctx context.Context, e *event.Event) (*afterEvent, error) {
	f, err := followup.Of(ctx, s.pool, e.ID)
	if err != nil {
		return nil, err
	}
	sum, err := feedback.SummaryOf(ctx, s.pool, e.ID)
	if err != nil {
		return nil, err
	}
	a := &afterEvent{Followup: f, Feedback: sum}
	if sum != nil && sum.Answers > 0 {
		most := 1
		for _, n := range sum.Ratings {
			most = max(most, n)
		}
		a.Chart = &answerChart{Height: 5 * barHeight}
		for i, n := range sum.Ratings {
			a.Chart.Bars = append(a.Chart.Bars, answerBar{Answer: strconv.Itoa(i + 1), N: n, Y: i * barHeight, Width: n * barWidth / most})
		}
	}
	return a, nil
}

func (s *Server) followupRoutes(api routes, manage *gin.RouterGroup) {
	s.eventRoute(api, "POST", "/events/:slug/followup", needOrganizer, s.sendFollowup, s.audited("followup.sent"))
	s.eventRoute(api, "GET", "/events/:slug/feedback", needOrganizer, s.feedbackSummary)
	s.eventRoute(api, "GET", "/events/:slug/feedback.csv", needOrganizer, s.feedbackCSV)
	manage.GET("/feedback", s.feedbackPage)
	manage.POST("/feedback", s.feedbackSubmit)
}

func (s *Server) sendFollowup(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var opt followup.Options
	err = decodeFields(obj, map[string]any{"certificates": &opt.Certificates, "poll_results": &opt.PollResults, "feedback": &opt.Feedback})
	if err != nil {
		s.respondError(c, err)
		return
	}
	f, err := followup.Send(c.Request.Context(), s.pool, e, opt, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusAccepted, f)
}

// followupAction is the dashboard's form for the mail after the event.
func (s *Server) followupAction(c *gin.Context, e *event.Event) error {
	_, err := followup.Send(c.Request.Context(), s.pool, e, followup.Options{Certificates: c.PostForm("certificates") == "on",
		PollResults: c.PostForm("poll_results") == "on", Feedback: c.PostForm("feedback") == "on"}, s.now())
	return err
}

func (s *Server) feedbackSummary(c *gin.Context, e *event.Event) {
	sum, err := feedback.SummaryOf(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if sum == nil {
		sum = &feedback.Summary{Takeaways: []string{}}
	}
	s.writeJSON(c, http.StatusOK, sum)
}

// feedbackCSV is the answers' table: the ratings counted, then the free texts, in the order
// of the summary, which ties none of them to a person.
func (s *Server) feedbackCSV(c *gin.Context, e *event.Event) {
	sum, err := feedback.SummaryOf(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if sum == nil {
		sum = &feedback.Summary{}
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // Excel reads UTF-8 only after a byte order mark
	w := csv.NewWriter(&buf)
	w.Write([]string{"Frage", "Antwort", "Anzahl"})
	for i, n := range sum.Ratings {
		w.Write([]string{"Gesamtbewertung (1–5)", strconv.Itoa(i + 1), strconv.Itoa(n)})
	}
	for _, text := range sum.Takeaways {
		w.Write([]string{"Was nehmen Sie mit?", defuse(text), "1"})
	}
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="feedback-`+e.Slug+`.csv"`)
	s.writeBody(c, http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// defuse keeps a spreadsheet from reading a free text as a formula.
func defuse(text string) string {
	if text != "" && bytes.ContainsAny([]byte{text[0]}, "=+-@\t\r") {
		return "'" + text
	}
	return text
}

type feedbackView struct {
	Event    *event.Event
	Token    string
	Given    bool
	Rating   string
	Takeaway string
	Errors   map[string]string
}

func (s *Server) feedbackPage(c *gin.Context) { s.renderFeedback(c, http.StatusOK, feedbackView{}) }

func (s *Server) renderFeedback(c *gin.Context, status int, v feedbackView) {
	ctx := c.Request.Context()
	r, err := registration.ByToken(ctx, s.pool, c.Param("token"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	e, err := event.ByID(ctx, s.pool, r.EventID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	asked, given, err := feedback.Asked(ctx, s.pool, r, e, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	if !asked {
		s.pageError(c, feedback.ErrNotAsked)
		return
	}
	v.Event, v.Token, v.Given = e, c.Param("token"), given
	s.renderPage(c, status, "feedback", s.messages.T(pageLang(c), "feedback.title", nil), v)
}

func (s *Server) feedbackSubmit(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := registration.ByToken(ctx, s.pool, c.Param("token"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	e, err := event.ByID(ctx, s.pool, r.EventID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	rating, _ := strconv.Atoi(c.PostForm("rating"))
	err = feedback.Submit(ctx, s.pool, r, e, feedback.Answer{Rating: rating, Takeaway: c.PostForm("takeaway")}, s.now())
	var v *domain.ValidationError
	if errors.As(err, &v) {
		errs := map[string]string{}
		for _, f := range v.Fields {
			errs[f.Field] = s.messages.T(pageLang(c), "feedback.error."+f.Field, nil)
		}
		s.renderFeedback(c, http.StatusUnprocessableEntity, feedbackView{Rating: c.PostForm("rating"), Takeaway: c.PostForm("takeaway"), Errors: errs})
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/r/"+c.Param("token")+"/feedback"+langQuery(pageLang(c), "?"))
}
