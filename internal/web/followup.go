package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/export"
	"github.com/podium-events/podium/internal/feedback"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/registration"
)

// afterEvent is the dashboard's part after the event: the mail and the survey's answers.
type afterEvent struct {
	Followup  *followup.Followup
	Feedback  *feedback.Summary
	Chart     *answerChart
	Questions []afterQuestion
	// FormQuestions numbers the form's rows for the organizer's own questions.
	FormQuestions []int
}

// afterQuestion is one of the organizer's survey questions with its answers.
type afterQuestion struct {
	Label   string
	Answers int
	Chart   *answerChart // a rating
	Texts   []string     // a free text
}

// ratingChart draws the counts of the ratings 1 to 5 as bars.
func ratingChart(label string, ratings [5]int) *answerChart {
	most := 1
	for _, n := range ratings {
		most = max(most, n)
	}
	c := &answerChart{Question: label, Height: 5 * barHeight}
	for i, n := range ratings {
		c.Bars = append(c.Bars, answerBar{Answer: strconv.Itoa(i + 1), N: n, Y: i * barHeight, Width: n * barWidth / most})
	}
	return c
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
	for i := range formQuestions {
		a.FormQuestions = append(a.FormQuestions, i+1)
	}
	if sum == nil || sum.Answers == 0 {
		return a, nil
	}
	a.Chart = ratingChart("", sum.Ratings)
	for _, q := range sum.Questions {
		aq := afterQuestion{Label: q.Label, Answers: q.Answers, Texts: q.Texts}
		if q.Ratings != nil {
			aq.Chart = ratingChart(q.Label, *q.Ratings)
		}
		a.Questions = append(a.Questions, aq)
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
	var opt followup.Options
	err := readFields(c, map[string]any{"certificates": &opt.Certificates, "poll_results": &opt.PollResults,
		"feedback": &opt.Feedback, "questions": &opt.Questions})
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
// The form has rows for this many of the organizer's own questions; the API takes up to
// followup.MaxQuestions.
const formQuestions = 3

func (s *Server) followupAction(c *gin.Context, e *event.Event) error {
	opt := followup.Options{Certificates: c.PostForm("certificates") == "on",
		PollResults: c.PostForm("poll_results") == "on", Feedback: c.PostForm("feedback") == "on"}
	for i := 1; i <= formQuestions; i++ {
		n := strconv.Itoa(i)
		if label := c.PostForm("q" + n + "_label"); label != "" {
			opt.Questions = append(opt.Questions, followup.Question{Label: label, Kind: c.PostForm("q" + n + "_kind")})
		}
	}
	_, err := followup.Send(c.Request.Context(), s.pool, e, opt, s.now())
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

// feedbackCSV is the survey's answers as a table (see export.WriteFeedbackCSV).
func (s *Server) feedbackCSV(c *gin.Context, e *event.Event) {
	sum, err := feedback.SummaryOf(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if sum == nil {
		sum = &feedback.Summary{}
	}
	s.download(c, "feedback-"+e.Slug, "csv", func(w io.Writer) error { return export.WriteFeedbackCSV(w, sum) })
}

type feedbackView struct {
	Event     *event.Event
	Token     string
	Given     bool
	Rating    string
	Takeaway  string
	Questions []surveyQuestion
	Errors    map[string]string
}

// surveyQuestion is one of the organizer's questions on the survey's form.
type surveyQuestion struct {
	followup.Question
	Name, Value, Error string
}

func (s *Server) feedbackPage(c *gin.Context) { s.renderFeedback(c, http.StatusOK, feedbackView{}) }

// tokenHolder is the registration of the request's manage token, with its event.
func (s *Server) tokenHolder(c *gin.Context) (*registration.Registration, *event.Event, error) {
	r, err := registration.ByToken(c.Request.Context(), s.pool, c.Param("token"))
	if err != nil {
		return nil, nil, err
	}
	e, err := event.ByID(c.Request.Context(), s.pool, r.EventID)
	return r, e, err
}

func (s *Server) renderFeedback(c *gin.Context, status int, v feedbackView) {
	ctx := c.Request.Context()
	r, e, err := s.tokenHolder(c)
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
	f, err := followup.Of(ctx, s.pool, e.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	for i, q := range f.Questions {
		name := "q" + strconv.Itoa(i+1)
		v.Questions = append(v.Questions, surveyQuestion{Question: q, Name: name, Value: c.PostForm(name),
			Error: v.Errors[fmt.Sprintf("questions[%d]", i)]})
	}
	s.renderPage(c, status, "feedback", s.messages.T(pageLang(c), "feedback.title", nil), v)
}

func (s *Server) feedbackSubmit(c *gin.Context) {
	ctx := c.Request.Context()
	r, e, err := s.tokenHolder(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	rating, _ := strconv.Atoi(c.PostForm("rating"))
	var extra []string
	for i := 1; i <= followup.MaxQuestions; i++ {
		extra = append(extra, c.PostForm("q"+strconv.Itoa(i)))
	}
	err = feedback.Submit(ctx, s.pool, r, e, feedback.Answer{Rating: rating, Takeaway: c.PostForm("takeaway"), Extra: extra}, s.now())
	// The survey speaks to attendees in its own words for each field.
	surveyText := func(f domain.FieldError) string {
		id := f.Field
		if strings.HasPrefix(id, "questions[") {
			id = "question"
		}
		return s.messages.T(pageLang(c), "feedback.error."+id, nil)
	}
	if p, ok := s.problemOf(pageLang(c), err, surveyText); ok && p.Status == http.StatusUnprocessableEntity {
		s.renderFeedback(c, p.Status, feedbackView{Rating: c.PostForm("rating"), Takeaway: c.PostForm("takeaway"), Errors: p.Fields})
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/r/"+c.Param("token")+"/feedback"+langQuery(pageLang(c), "?"))
}
