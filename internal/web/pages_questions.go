package web

import (
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/zstd"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
)

// questionsView is what the audience, moderator and presenter pages show.
type questionsView struct {
	Event       *event.Event
	Questions   []qa.Question // audience: approved and own pending; moderator: approved
	Pending     []qa.Question
	Rejected    []qa.Question
	Highlighted *qa.Question
	Sort        string
	Asked       string // the status of a question just asked
	Text        string
	Author      string
	Errors      map[string]bool
	Problem     string // why a moderator's change was refused
	Stream      string // the event stream, starting after the change the page shows
	API         string // the questions in JSON, for a page that must load them again
	Query       string // ?lang=en, kept on links and forms
	Blank       qa.Question

	Polls           []pollView
	BlankPoll       pollView  // what polls.js clones for a poll that appears
	PresentedPoll   *pollView // the poll on the presenter screen
	PollAnswered    int64     // the poll the viewer just answered
	PollProblem     int64     // the poll whose answer was refused, and why
	PollProblemText string
	PollForm        *pollForm // the organizer's new poll as typed
	Organizer       bool      // the viewer may prepare polls
}

func (s *Server) questionPageRoutes(pages *gin.RouterGroup) {
	// The audience page and the votes read their event from the cache: everyone arriving in the
	// websession's first minutes opens this page, and each of them votes.
	asks, votes := s.askLimits(), append(s.voteLimits(), cachedEvent)
	s.eventPageRoute(pages, "GET", "/events/:slug/questions", needNothing, s.audiencePage, s.withParticipant, cachedEvent)
	s.eventPageRoute(pages, "POST", "/events/:slug/questions", needNothing, s.askPage, asks...)
	s.eventPageRoute(pages, "POST", "/events/:slug/questions/:id/vote", needNothing, s.votePage, votes...)
	s.eventPageRoute(pages, "GET", "/events/:slug/moderate", needModerator, s.moderatePage)
	s.eventPageRoute(pages, "POST", "/events/:slug/moderate/:id", needModerator, s.moderateAction, s.audited("question.moderated"))
	s.eventPageRoute(pages, "GET", "/events/:slug/present", needNothing, s.presentPage)
	s.pollPageRoutes(pages)
}

func (s *Server) questionsView(c *gin.Context, e *event.Event) questionsView {
	v := questionsView{Event: e, Sort: c.DefaultQuery("sort", "top"), Asked: c.Query("asked"),
		API: "/api/v1/events/" + e.Slug + "/questions", BlankPoll: pollView{Results: &poll.Results{}}}
	if v.Sort != "new" {
		v.Sort = "top"
	}
	v.PollAnswered, _ = strconv.ParseInt(c.Query("answered"), 10, 64)
	if pageLang(c) == "en" {
		v.Query = "?lang=en"
	}
	return v
}

func (s *Server) audiencePage(c *gin.Context, e *event.Event) {
	s.renderAudience(c, http.StatusOK, s.questionsView(c, e))
}

// startStream reads the event's newest change before the page reads its questions, so the
// page's stream starts at a change the page already shows and misses nothing after it.
func (s *Server) startStream(c *gin.Context, v *questionsView) error {
	last, err := qa.LastChange(c.Request.Context(), s.pool, v.Event.ID)
	if err != nil {
		return err
	}
	v.Stream = fmt.Sprintf("%s/stream?since=%d", v.API, last)
	return nil
}

func (s *Server) renderAudience(c *gin.Context, status int, v questionsView) {
	title := s.messages.T(pageLang(c), "qa.title", nil)
	key, newcomer := newcomerKey(c, &v, status)
	if newcomer {
		if html := s.newcomers.get(key, s.now(), v.Event.UpdatedAt); html != nil {
			s.writeEncoded(c, status, "text/html; charset=utf-8", html)
			return
		}
	}
	if err := s.startStream(c, &v); err != nil {
		s.pageError(c, err)
		return
	}
	var err error
	v.Questions, err = qa.List(c.Request.Context(), s.pool, v.Event.ID, qa.ListOptions{Sort: v.Sort, Participant: participantOf(c)})
	if err != nil {
		s.pageError(c, err)
		return
	}
	if err := s.loadPolls(c, &v, false); err != nil {
		s.pageError(c, err)
		return
	}
	if !newcomer {
		s.renderPage(c, status, "questions", title, v)
		return
	}
	html, err := s.renderBytes(c, "questions", title, v)
	if err != nil {
		s.pageError(c, err)
		return
	}
	body, err := encode(html, gzip.DefaultCompression, zstd.SpeedDefault)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.newcomers.put(key, cachedPage{rendered: s.now(), updated: v.Event.UpdatedAt, html: &body})
	s.writeEncoded(c, status, "text/html; charset=utf-8", &body)
}

// askPage takes a question from the form, which works without JavaScript.
func (s *Server) askPage(c *gin.Context, e *event.Event) {
	v := s.questionsView(c, e)
	v.Text, v.Author = c.PostForm("text"), c.PostForm("author_name")
	q, err := qa.Ask(c.Request.Context(), s.pool, e, participantOf(c), v.Text, v.Author)
	if err == nil {
		c.Redirect(http.StatusSeeOther, s.questionsPath(c, e)+"asked="+q.Status+"#fragen")
		return
	}
	// Bad input is marked at its fields, which the form words for the audience; a question the
	// event no longer takes (cancelled meanwhile) is a page of its own.
	if p, ok := s.problemOf(pageLang(c), err, nil); ok && p.Status == http.StatusUnprocessableEntity {
		v.Errors = map[string]bool{}
		for field := range p.Fields {
			v.Errors[field] = true
		}
		s.renderAudience(c, p.Status, v)
		return
	}
	s.pageError(c, err)
}

// votePage gives or takes back the participant's vote, from the vote button.
func (s *Server) votePage(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if _, err := qa.Vote(c.Request.Context(), s.pool, e, id, participantOf(c), c.PostForm("vote") != "remove"); err != nil {
		s.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, s.questionsPath(c, e)+fmt.Sprintf("sort=%s#frage-%d", c.DefaultPostForm("sort", "top"), id))
}

// questionsPath is the audience page with its language, ready for more query parameters.
func (s *Server) questionsPath(c *gin.Context, e *event.Event) string {
	if pageLang(c) == "en" {
		return "/events/" + e.Slug + "/questions?lang=en&"
	}
	return "/events/" + e.Slug + "/questions?"
}

func (s *Server) moderatePage(c *gin.Context, e *event.Event) {
	s.renderModerate(c, http.StatusOK, e, "")
}

// renderModerate shows the moderation page, with the reason when a change was refused.
func (s *Server) renderModerate(c *gin.Context, status int, e *event.Event, problem string) {
	s.renderModerateWith(c, status, e, problem, nil)
}

// renderModerateWith is renderModerate with the organizer's new poll as typed.
func (s *Server) renderModerateWith(c *gin.Context, status int, e *event.Event, problem string, form *pollForm) {
	ctx := c.Request.Context()
	var err error
	v := s.questionsView(c, e)
	v.Problem, v.PollForm = problem, form
	if v.PollForm == nil {
		v.PollForm = &pollForm{Kind: poll.KindSingle, Scale: "5"}
	}
	if err := s.startStream(c, &v); err != nil {
		s.pageError(c, err)
		return
	}
	if err := s.loadPolls(c, &v, true); err != nil {
		s.pageError(c, err)
		return
	}
	if v.Organizer, err = auth.Allowed(ctx, s.pool, currentUser(c), e.ID, needOrganizer); err != nil {
		s.pageError(c, err)
		return
	}
	for status, list := range map[string]*[]qa.Question{qa.StatusPending: &v.Pending, qa.StatusApproved: &v.Questions, qa.StatusRejected: &v.Rejected} {
		sort := v.Sort
		if status == qa.StatusPending {
			sort = "new"
		}
		if *list, err = qa.List(ctx, s.pool, e.ID, qa.ListOptions{Status: status, Sort: sort}); err != nil {
			s.pageError(c, err)
			return
		}
	}
	s.renderPage(c, status, "moderate", s.messages.T(pageLang(c), "qa.moderate.title", nil), v)
}

// moderateActions are the moderator's buttons, as question changes.
var moderateActions = map[string]func(*qa.Change){
	"approve":     func(ch *qa.Change) { ch.Status = ptr(qa.StatusApproved) },
	"reject":      func(ch *qa.Change) { ch.Status = ptr(qa.StatusRejected) },
	"pending":     func(ch *qa.Change) { ch.Status = ptr(qa.StatusPending) },
	"highlight":   func(ch *qa.Change) { ch.Highlighted = ptr(true) },
	"unhighlight": func(ch *qa.Change) { ch.Highlighted = ptr(false) },
	"answered":    func(ch *qa.Change) { ch.Answered = ptr(true) },
	"unanswered":  func(ch *qa.Change) { ch.Answered = ptr(false) },
}

func (s *Server) moderateAction(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	var ch qa.Change
	if action, ok := moderateActions[c.PostForm("action")]; ok {
		action(&ch)
	} else if c.PostForm("action") == "edit" {
		ch.Text = ptr(c.PostForm("text"))
	} else {
		s.pageError(c, &malformedError{"unknown action"})
		return
	}
	noteAudit(c, "change", questionChanges(ch))
	if _, err := qa.Moderate(c.Request.Context(), s.pool, e.ID, id, ch); err != nil {
		s.refuseOnModeration(c, e, err, "qa.error.gone")
		return
	}
	path := "/events/" + e.Slug + "/moderate"
	if pageLang(c) == "en" {
		path += "?lang=en"
	}
	c.Redirect(http.StatusSeeOther, path+fmt.Sprintf("#frage-%d", id))
}

// refuseOnModeration shows the moderation page again with why a change was refused: a problem or
// conflict in the words of problemOf, or, for a question or poll that is gone (deleted or erased
// meanwhile), gone. Anything else is an error page.
func (s *Server) refuseOnModeration(c *gin.Context, e *event.Event, err error, gone string) {
	if p, ok := s.problemOf(pageLang(c), err, nil); ok {
		s.renderModerate(c, p.Status, e, p.Text)
		return
	}
	if errors.Is(err, domain.ErrNotFound) {
		s.renderModerate(c, http.StatusNotFound, e, s.messages.T(pageLang(c), gone, nil))
		return
	}
	s.pageError(c, err)
}

// presentPage shows the highlighted question, large, for screen sharing.
func (s *Server) presentPage(c *gin.Context, e *event.Event) {
	v := s.questionsView(c, e)
	if err := s.startStream(c, &v); err != nil {
		s.pageError(c, err)
		return
	}
	var err error
	if v.Highlighted, err = qa.Highlighted(c.Request.Context(), s.pool, e.ID); err != nil {
		s.pageError(c, err)
		return
	}
	if err := s.loadPolls(c, &v, false); err != nil {
		s.pageError(c, err)
		return
	}
	s.renderPage(c, http.StatusOK, "present", e.Title, v)
}

func ptr[T any](v T) *T { return &v }
