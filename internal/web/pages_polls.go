package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
)

// pollView is a poll as a page shows it.
type pollView struct {
	poll.Poll
	Results *poll.Results
	Answer  poll.Answer
	// Answered tells that the viewer has answered; Counts that the page shows the counts
	// (moderators always, the audience once they are visible).
	Answered, Counts bool
}

// pollForm is the organizer's new poll as typed, with the fields at fault.
type pollForm struct {
	Kind, Question, Explanation, Options, Scale string
	Errors                                      map[string]bool
}

func (s *Server) pollPageRoutes(pages *gin.RouterGroup) {
	s.eventPageRoute(pages, "POST", "/events/:slug/polls/:id/answer", needNothing, s.answerPage, s.answerLimits()...)
	s.eventPageRoute(pages, "POST", "/events/:slug/moderate/polls", needOrganizer, s.createPollPage, s.audited("poll.created"))
	s.eventPageRoute(pages, "POST", "/events/:slug/moderate/polls/:id", needModerator, s.pollActionPage, s.audited("poll.updated"))
}

// loadPolls reads the polls a page shows, with their results and the viewer's answers.
func (s *Server) loadPolls(c *gin.Context, v *questionsView, moderator bool) error {
	polls, err := poll.List(c.Request.Context(), s.pool, v.Event.ID, moderator)
	if err != nil {
		return err
	}
	items, err := s.pollsWithResults(c, v.Event, moderator, polls)
	if err != nil {
		return err
	}
	v.Polls = make([]pollView, len(items))
	for i, it := range items {
		pv := pollView{Poll: it.Poll, Results: it.Results, Counts: moderator || it.ResultsVisible}
		if it.Answer != nil {
			pv.Answer, pv.Answered = *it.Answer, true
		}
		v.Polls[i] = pv
		if it.OnPresenter {
			v.PresentedPoll = &v.Polls[i]
		}
	}
	return nil
}

// dashboardPolls are the event's polls with all their results, for the organizer's dashboard.
func dashboardPolls(ctx context.Context, q sqlx.QueryerContext, e *event.Event) ([]pollView, error) {
	polls, err := poll.List(ctx, q, e.ID, true)
	if err != nil {
		return nil, err
	}
	results, err := poll.ResultsOf(ctx, q, polls)
	if err != nil {
		return nil, err
	}
	out := make([]pollView, len(polls))
	for i, p := range polls {
		out[i] = pollView{Poll: p, Results: results[p.ID], Counts: true}
	}
	return out, nil
}

// answerPage takes an answer from a poll's form, which works without JavaScript.
func (s *Server) answerPage(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	a, ok := answerFromForm(c)
	v := s.questionsView(c, e)
	if ok {
		err = s.submitAnswer(c, e, id, a)
	} else {
		v := &domain.ValidationError{}
		v.Problem("option", "not_integer", nil, "must be a number")
		err = v
	}
	if err == nil {
		c.Redirect(http.StatusSeeOther, s.questionsPath(c, e)+fmt.Sprintf("answered=%d#umfrage-%d", id, id))
		return
	}
	// The audience reads one sentence about its answer, whichever field it was; a conflict (the
	// poll closed meanwhile) says what happened.
	if p, ok := s.problemOf(pageLang(c), err, nil); ok {
		v.PollProblem, v.PollProblemText = id, p.Text
		if p.Status == http.StatusUnprocessableEntity {
			v.PollProblemText = s.messages.T(pageLang(c), "poll.error.answer", nil)
		}
		s.renderAudience(c, p.Status, v)
		return
	}
	s.pageError(c, err)
}

// answerFromForm reads the answer fields a poll's form sends: option, options, rating or text.
func answerFromForm(c *gin.Context) (poll.Answer, bool) {
	var a poll.Answer
	ok := true
	number := func(s string) *int {
		n, err := strconv.Atoi(s)
		if err != nil {
			ok = false
		}
		return &n
	}
	if v, set := c.GetPostForm("option"); set {
		a.Option = number(v)
	}
	if vs, set := c.GetPostFormArray("options"); set {
		for _, v := range vs {
			a.Options = append(a.Options, *number(v))
		}
	}
	if v, set := c.GetPostForm("rating"); set {
		a.Rating = number(v)
	}
	if v, set := c.GetPostForm("text"); set {
		a.Text = &v
	}
	return a, ok
}

// createPollPage prepares a poll from the moderation page's form (organizers).
func (s *Server) createPollPage(c *gin.Context, e *event.Event) {
	f := pollForm{Kind: c.PostForm("kind"), Question: c.PostForm("question"), Explanation: c.PostForm("explanation"),
		Options: c.PostForm("options"), Scale: c.PostForm("scale")}
	in := poll.Input{Kind: f.Kind, Question: f.Question, Explanation: f.Explanation}
	if f.Kind == poll.KindRating {
		in.Scale, _ = strconv.Atoi(f.Scale)
	}
	if f.Kind == poll.KindSingle || f.Kind == poll.KindMultiple {
		for _, line := range strings.Split(strings.ReplaceAll(f.Options, "\r\n", "\n"), "\n") {
			if strings.TrimSpace(line) != "" {
				in.Options = append(in.Options, line)
			}
		}
	}
	created, err := poll.Create(c.Request.Context(), s.pool, e.ID, in)
	if err == nil {
		c.Redirect(http.StatusSeeOther, s.moderatePath(c, e)+fmt.Sprintf("#umfrage-%d", created.ID))
		return
	}
	p, ok := s.problemOf(pageLang(c), err, nil)
	if !ok {
		s.pageError(c, err)
		return
	}
	f.Errors = map[string]bool{}
	for field := range p.Fields {
		f.Errors[strings.SplitN(field, "[", 2)[0]] = true
	}
	s.renderModerateWith(c, p.Status, e, p.Text, &f)
}

// pollActions are the moderator's buttons, as poll changes.
var pollActions = map[string]func(*poll.Change){
	"open":      func(ch *poll.Change) { ch.State = ptr(poll.StateOpen) },
	"close":     func(ch *poll.Change) { ch.State = ptr(poll.StateClosed) },
	"show":      func(ch *poll.Change) { ch.ResultsVisible = ptr(true) },
	"hide":      func(ch *poll.Change) { ch.ResultsVisible = ptr(false) },
	"present":   func(ch *poll.Change) { ch.OnPresenter = ptr(true) },
	"unpresent": func(ch *poll.Change) { ch.OnPresenter = ptr(false) },
}

func (s *Server) pollActionPage(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	action, ok := pollActions[c.PostForm("action")]
	if !ok {
		s.pageError(c, &malformedError{"unknown action"})
		return
	}
	var ch poll.Change
	action(&ch)
	noteAudit(c, "change", pollChanges(ch))
	if _, err := poll.Update(c.Request.Context(), s.pool, e.ID, id, ch); err != nil {
		s.refuseOnModeration(c, e, err, "poll.error.gone")
		return
	}
	c.Redirect(http.StatusSeeOther, s.moderatePath(c, e)+fmt.Sprintf("#umfrage-%d", id))
}

// moderatePath is the moderation page with its language.
func (s *Server) moderatePath(c *gin.Context, e *event.Event) string {
	if pageLang(c) == "en" {
		return "/events/" + e.Slug + "/moderate?lang=en"
	}
	return "/events/" + e.Slug + "/moderate"
}

// roundPercent is a percentage as pages show it: whole numbers, halves rounded up, as the
// page script rounds.
func roundPercent(p float64) string { return strconv.Itoa(int(math.Round(p))) }

// decimal writes a number with one decimal in the page's language (3,4 in German).
func decimal(lang string, f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
