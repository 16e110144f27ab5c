package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/qa"
)

const needModerator = auth.NeedModerator

// heartbeat keeps proxies from closing a quiet stream; most close idle connections after 60 s.
const heartbeat = 20 * time.Second

func (s *Server) questionRoutes(e *gin.Engine, api *gin.RouterGroup) {
	asks := []gin.HandlerFunc{s.withParticipant, s.limitPerParticipant("question", questionRateParticipant),
		s.limitPerAddress("question-address", questionRateAddress)}
	votes := []gin.HandlerFunc{s.withParticipant, s.limitPerParticipant("vote", voteRateParticipant),
		s.limitPerAddress("vote-address", voteRateAddress)}
	s.eventRoute(api, "POST", "/events/:slug/questions", needNothing, s.askQuestion, asks...)
	s.eventRoute(api, "GET", "/events/:slug/questions", needNothing, s.listQuestions, s.withParticipant)
	s.eventRoute(api, "POST", "/events/:slug/questions/:id/vote", needNothing, s.vote(true), votes...)
	s.eventRoute(api, "DELETE", "/events/:slug/questions/:id/vote", needNothing, s.vote(false), votes...)
	s.eventRoute(api, "PATCH", "/events/:slug/questions/:id", needModerator, s.moderateQuestion, s.audited("question.moderated"))
	// A stream lives long: it has no request timeout.
	s.eventRoute(e, "GET", "/api/v1/events/:slug/questions/stream", needNothing, s.questionStream, s.authenticate, s.withParticipant)
}

func (s *Server) askQuestion(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var text, author string
	if err := decodeFields(obj, map[string]any{"text": &text, "author_name": &author}); err != nil {
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
		v.Add("sort", "must be top or new")
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
		v.Add("status", "must be pending, approved or rejected")
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
		q, err := qa.Vote(c.Request.Context(), s.pool, e.ID, id, participantOf(c), up)
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
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var ch qa.Change
	if err := decodeFields(obj, map[string]any{"status": &ch.Status, "answered": &ch.Answered,
		"highlighted": &ch.Highlighted, "text": &ch.Text}); err != nil {
		s.respondError(c, err)
		return
	}
	q, err := qa.Moderate(c.Request.Context(), s.pool, e.ID, id, ch)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, q)
}

// questionStream sends the event's question changes as Server-Sent Events: to moderators all,
// to the audience approved questions (and the person's own pending ones), a question leaving
// their view as question.deleted. A client reconnecting with Last-Event-ID gets what it missed.
func (s *Server) questionStream(c *gin.Context, e *event.Event) {
	moderator, err := s.mayModerate(c, e)
	if err != nil {
		s.respondError(c, err)
		return
	}
	participant := participantOf(c)
	sub := s.hub.Subscribe(e.ID, moderator, participant)
	defer s.hub.Unsubscribe(sub)

	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the events back
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	w.Flush()

	sent := int64(0)
	if last, err := strconv.ParseInt(c.GetHeader("Last-Event-ID"), 10, 64); err == nil && last > 0 {
		missed, err := qa.Since(c.Request.Context(), s.pool, e.ID, last)
		if err != nil {
			s.log.Error("question stream: catching up", "error", err)
			return
		}
		for _, u := range missed {
			writeUpdate(w, u, moderator, participant)
			sent = u.ID
		}
		w.Flush()
	}
	ticker := time.NewTicker(heartbeat)
	defer ticker.Stop()
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case u, open := <-sub.C:
			if !open {
				return // fell behind: the browser reconnects and catches up
			}
			if u.ID <= sent {
				continue
			}
			writeUpdate(w, u, moderator, participant)
			sent = u.ID
			w.Flush()
		case <-ticker.C:
			fmt.Fprint(w, ": ping\n\n")
			w.Flush()
		}
	}
}

// writeUpdate writes one change in the viewer's terms: a question they may not see is
// question.deleted if it changed (they may have seen it before) and nothing if it is new.
func writeUpdate(w gin.ResponseWriter, u qa.Update, moderator bool, participant string) {
	q := u.Question
	q.Own = q.Participant == participant
	name, data := "question."+u.Kind, any(q)
	if !q.VisibleTo(participant, moderator) {
		if u.Kind == "created" {
			return
		}
		name, data = "question.deleted", gin.H{"id": q.ID}
	}
	body, _ := json.Marshal(data)
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", u.ID, name, body)
}

// mayModerate tells whether the caller moderates the event.
func (s *Server) mayModerate(c *gin.Context, e *event.Event) (bool, error) {
	u := currentUser(c)
	if u == nil {
		return false, nil
	}
	return auth.Allowed(c.Request.Context(), s.pool, u, e.ID, needModerator)
}
