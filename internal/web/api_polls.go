package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
)

// Answer rates, as for votes: per participant what one person plausibly does (answering and
// changing their mind), per address enough for a room full of people behind one gateway.
var (
	answerRateParticipant = limiter.Rate{Period: time.Minute, Limit: 60}
	answerRateAddress     = limiter.Rate{Period: time.Minute, Limit: 600}
)

// answerLimits are the middleware in front of answering a poll, the same for the form and the
// API. An answer needs the participant cookie from a visit before, like a vote.
func (s *Server) answerLimits() []gin.HandlerFunc {
	return []gin.HandlerFunc{s.requireParticipant, s.limitPerParticipant("poll-answer", answerRateParticipant),
		s.limitPerAddress("poll-answer-address", answerRateAddress)}
}

func (s *Server) pollRoutes(api *gin.RouterGroup) {
	answers := s.answerLimits()
	s.eventRoute(api, "POST", "/events/:slug/polls", needOrganizer, s.createPoll, s.audited("poll.created"))
	s.eventRoute(api, "GET", "/events/:slug/polls", needNothing, s.listPolls, s.withParticipant)
	s.eventRoute(api, "GET", "/events/:slug/polls/:id", needNothing, s.getPoll, s.withParticipant)
	s.eventRoute(api, "PATCH", "/events/:slug/polls/:id", needModerator, s.patchPoll, s.audited("poll.updated"))
	s.eventRoute(api, "POST", "/events/:slug/polls/:id/answer", needNothing, s.answerPoll, answers...)
	s.eventRoute(api, "GET", "/events/:slug/polls/:id/results", needNothing, s.pollResults)
}

// pollJSON is a poll with its results as the caller may see them and the caller's own answer.
type pollJSON struct {
	poll.Poll
	Results *poll.Results `json:"results"`
	Answer  *poll.Answer  `json:"answer"`
}

// voter is the participant of the request towards polls.
func (s *Server) voter(c *gin.Context) poll.Voter {
	return poll.NewVoter(s.cfg.Secret, participantOf(c))
}

// pollsWithResults lists the event's polls (drafts for moderators) with the results each caller
// may see and, for a participant, their own answers.
func (s *Server) pollsWithResults(c *gin.Context, e *event.Event, moderator bool, polls []poll.Poll) ([]pollJSON, error) {
	ctx := c.Request.Context()
	results, err := poll.ResultsOf(ctx, s.pool, polls)
	if err != nil {
		return nil, err
	}
	mine := map[int64]poll.Answer{}
	if participantOf(c) != "" {
		if mine, err = poll.Answers(ctx, s.pool, polls, s.voter(c)); err != nil {
			return nil, err
		}
	}
	out := make([]pollJSON, len(polls))
	for i, p := range polls {
		out[i] = pollJSON{Poll: p, Results: results[p.ID]}
		if !moderator && !p.ResultsVisible {
			out[i].Results = results[p.ID].Hidden()
		}
		if a, ok := mine[p.ID]; ok {
			out[i].Answer = &a
		}
	}
	return out, nil
}

func (s *Server) createPoll(c *gin.Context, e *event.Event) {
	var in poll.Input
	if err := readFields(c, map[string]any{"kind": &in.Kind, "question": &in.Question,
		"explanation": &in.Explanation, "options": &in.Options, "scale": &in.Scale}); err != nil {
		s.respondError(c, err)
		return
	}
	p, err := poll.Create(c.Request.Context(), s.pool, e.ID, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, p)
}

func (s *Server) listPolls(c *gin.Context, e *event.Event) {
	moderator, err := s.mayModerate(c, e)
	if err != nil {
		s.respondError(c, err)
		return
	}
	polls, err := poll.List(c.Request.Context(), s.pool, e.ID, moderator)
	if err != nil {
		s.respondError(c, err)
		return
	}
	items, err := s.pollsWithResults(c, e, moderator, polls)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[pollJSON]{Items: items})
}

func (s *Server) getPoll(c *gin.Context, e *event.Event) {
	p, moderator, ok := s.pollParam(c, e)
	if !ok {
		return
	}
	items, err := s.pollsWithResults(c, e, moderator, []poll.Poll{*p})
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items[0])
}

// pollParam loads the poll named by :id, a draft only for moderators, and answers 404 itself.
func (s *Server) pollParam(c *gin.Context, e *event.Event) (*poll.Poll, bool, bool) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return nil, false, false
	}
	moderator, err := s.mayModerate(c, e)
	if err != nil {
		s.respondError(c, err)
		return nil, false, false
	}
	p, err := poll.Get(c.Request.Context(), s.pool, e.ID, id, moderator)
	if err != nil {
		s.respondError(c, err)
		return nil, false, false
	}
	return p, moderator, true
}

func (s *Server) patchPoll(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var ch poll.Change
	if err := readFields(c, map[string]any{"state": &ch.State, "results_visible": &ch.ResultsVisible,
		"on_presenter": &ch.OnPresenter, "question": &ch.Question, "explanation": &ch.Explanation, "options": &ch.Options}); err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "change", pollChanges(ch))
	p, err := poll.Update(c.Request.Context(), s.pool, e.ID, id, ch)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, p)
}

func (s *Server) answerPoll(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var a poll.Answer
	if err := readFields(c, map[string]any{"option": &a.Option, "options": &a.Options, "rating": &a.Rating, "text": &a.Text}); err != nil {
		s.respondError(c, err)
		return
	}
	if err := s.submitAnswer(c, e, id, a); err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, gin.H{"poll_id": id, "answer": a})
}

// submitAnswer records an answer of the request's participant, for the form and the API.
func (s *Server) submitAnswer(c *gin.Context, e *event.Event, pollID int64, a poll.Answer) error {
	if e.Status != event.StatusPublished {
		return &domain.ConflictError{Code: "polls_closed", Message: "polls can be answered only for a published event"}
	}
	return poll.Submit(c.Request.Context(), s.pool, e.ID, pollID, s.voter(c), a)
}

func (s *Server) pollResults(c *gin.Context, e *event.Event) {
	p, moderator, ok := s.pollParam(c, e)
	if !ok {
		return
	}
	results, err := poll.ResultsOf(c.Request.Context(), s.pool, []poll.Poll{*p})
	if err != nil {
		s.respondError(c, err)
		return
	}
	r := results[p.ID]
	if !moderator && !p.ResultsVisible {
		r = r.Hidden()
	}
	s.writeJSON(c, http.StatusOK, r)
}
