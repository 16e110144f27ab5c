package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/qa"
)

// questionStream sends the event's question changes as Server-Sent Events: to moderators all,
// to the audience approved questions (and the person's own pending ones), a question leaving
// their view as question.deleted. Changes come in batches prepared once for all streams; a
// client reconnecting with Last-Event-ID (or a page passing ?since=, the change its HTML
// shows) first gets what it missed.
func (s *Server) questionStream(c *gin.Context, e *event.Event) {
	moderator, err := s.mayModerate(c, e)
	if err != nil {
		s.respondError(c, err)
		return
	}
	since, err := streamStart(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	release, err := s.streams.acquire(c.ClientIP())
	if err != nil {
		s.respondError(c, err)
		return
	}
	defer release()
	ctx := c.Request.Context()
	participant := participantOf(c)
	sub, start, err := s.hub.Subscribe(ctx, e.ID, moderator, participant)
	if err != nil {
		s.respondError(c, err)
		return
	}
	defer s.hub.Unsubscribe(sub)

	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the events back
	w.WriteHeader(http.StatusOK)
	if _, err := w.WriteString("retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	sent := start
	if since > 0 && since != start {
		b, err := qa.Changes(ctx, s.pool, e.ID, since)
		var frames *qa.Frames
		if err == nil {
			frames, err = qa.PrepareFrames(b)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "question stream: catching up", "request_id", requestID(c), "error", err)
			return
		}
		if _, err := w.Write(frames.For(moderator, participant).Data); err != nil {
			return
		}
		sent = b.Through
	}
	w.Flush()
	for {
		select {
		case <-ctx.Done():
			return
		case fr, open := <-sub.C:
			if !open {
				return // fell behind, or the server shuts down: the browser reconnects
			}
			if fr.Through != 0 && fr.Through <= sent {
				continue // the catch-up brought this already
			}
			if _, err := w.Write(fr.Data); err != nil {
				return
			}
			w.Flush()
			sent = max(sent, fr.Through)
		}
	}
}

// streamStart is the change a client has seen: Last-Event-ID when its browser reconnects,
// else ?since= from the page it was rendered with, else none (0).
func streamStart(c *gin.Context) (int64, error) {
	raw := c.GetHeader("Last-Event-ID")
	if raw == "" {
		raw = c.Query("since")
	}
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, &malformedError{"Last-Event-ID and since must be a change number"}
	}
	return n, nil
}
