package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/qa"
)

const needModerator = auth.NeedModerator

func (s *Server) questionRoutes(e *gin.Engine, api *gin.RouterGroup) {
	// A vote reads its event from the cache, and its statement checks the event is published.
	asks, votes := s.askLimits(), append(s.voteLimits(), cachedEvent)
	s.eventRoute(api, "POST", "/events/:slug/questions", needNothing, s.askQuestion, asks...)
	s.eventRoute(api, "GET", "/events/:slug/questions", needNothing, s.listQuestions, s.withParticipant)
	s.eventRoute(api, "POST", "/events/:slug/questions/:id/vote", needNothing, s.vote(true), votes...)
	s.eventRoute(api, "DELETE", "/events/:slug/questions/:id/vote", needNothing, s.vote(false), votes...)
	s.eventRoute(api, "PATCH", "/events/:slug/questions/:id", needModerator, s.moderateQuestion, s.audited("question.moderated"))
	// A stream lives long: it has no request timeout.
	s.eventRoute(e, "GET", "/api/v1/events/:slug/questions/stream", needNothing, s.questionStream, s.authenticate, s.withParticipant)
}

func (s *Server) askQuestion(c *gin.Context, e *event.Event) {
	var text, author string
	if err := readFields(c, map[string]any{"text": &text, "author_name": &author}); err != nil {
		s.respondError(c, err)
		return
	}
	q, err := qa.Ask(c.Request.Context(), s.pool, e, participantOf(c), text, author)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, gin.H{"id": q.ID, "status": q.Status})
}

func (s *Server) listQuestions(c *gin.Context, e *event.Event) {
	opt := qa.ListOptions{Sort: c.DefaultQuery("sort", "top"), Status: c.Query("status"), Participant: participantOf(c)}
	v := &domain.ValidationError{}
	if opt.Sort != "top" && opt.Sort != "new" {
		v.Problem("sort", "one_of", domain.Params{"Values": "top, new"}, "must be top or new")
	}
	switch opt.Status {
	case "":
	case qa.StatusPending, qa.StatusApproved, qa.StatusRejected:
		if opt.Status != qa.StatusApproved {
			ok, err := s.mayModerate(c, e)
			if err != nil {
				s.respondError(c, err)
				return
			}
			if !ok {
				s.respondError(c, domain.ErrForbidden)
				return
			}
		}
	default:
		v.Problem("status", "one_of", domain.Params{"Values": "pending, approved, rejected"}, "must be pending, approved or rejected")
	}
	if err := v.OrNil(); err != nil {
		s.respondError(c, err)
		return
	}
	qs, err := qa.List(c.Request.Context(), s.pool, e.ID, opt)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[qa.Question]{Items: qs})
}

func (s *Server) vote(up bool) func(*gin.Context, *event.Event) {
	return func(c *gin.Context, e *event.Event) {
		id, err := idParam(c)
		if err != nil {
			s.respondError(c, err)
			return
		}
		q, err := qa.Vote(c.Request.Context(), s.pool, e, id, participantOf(c), up)
		if err != nil {
			s.respondError(c, err)
			return
		}
		s.writeJSON(c, http.StatusOK, q)
	}
}

func (s *Server) moderateQuestion(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var ch qa.Change
	if err := readFields(c, map[string]any{"status": &ch.Status, "answered": &ch.Answered,
		"highlighted": &ch.Highlighted, "text": &ch.Text}); err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "change", questionChanges(ch))
	q, err := qa.Moderate(c.Request.Context(), s.pool, e.ID, id, ch)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, q)
}

// mayModerate tells whether the caller moderates the event.
func (s *Server) mayModerate(c *gin.Context, e *event.Event) (bool, error) {
	u := currentUser(c)
	if u == nil {
		return false, nil
	}
	return auth.Allowed(c.Request.Context(), s.pool, u, e.ID, needModerator)
}
