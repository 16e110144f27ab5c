package web

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
)

// questionStream sends the event's question changes as Server-Sent Events: to moderators all,
// to the audience approved questions (and the person's own pending ones), a question leaving
// their view as question.deleted. A client reconnecting with Last-Event-ID (or a page passing
// ?since=, the change its HTML shows) first gets what it missed. Then the connection is handed
// to the hub, which writes each batch of changes, prepared once for all streams, to it; the
// request's goroutine and buffers are freed, so an open page costs little more than its
// connection.
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
	ctx := c.Request.Context()
	participant := participantOf(c)
	sub, start, err := s.hub.Subscribe(ctx, e.ID, moderator, participant)
	if err != nil {
		release()
		s.respondError(c, err)
		return
	}
	head := streamHead(c.Writer.Header())
	sent := start
	if since > 0 && since != start {
		b, err := qa.Changes(ctx, s.pool, e.ID, since, poll.Source{})
		var frames *qa.Frames
		if err == nil {
			frames, err = qa.PrepareFrames(b)
		}
		if err != nil {
			s.hub.Unsubscribe(sub)
			release()
			s.respondError(c, err)
			return
		}
		head = append(head, frames.For(moderator, participant).Data...)
		sent = b.Through
	}
	conn, _, err := http.NewResponseController(c.Writer).Hijack()
	if err != nil {
		// podium serve speaks HTTP/1.1, where every connection can be taken over.
		s.hub.Unsubscribe(sub)
		release()
		s.respondError(c, err)
		return
	}
	// The server's read deadline would end the stream; the hub sets its own for writes.
	conn.SetDeadline(time.Time{}) //nolint:errcheck // a broken connection fails the write below
	conn.SetWriteDeadline(time.Now().Add(streamHeadTimeout))
	if _, err := conn.Write(head); err != nil {
		conn.Close()
		s.hub.Unsubscribe(sub)
		release()
		return
	}
	s.hub.Attach(sub, conn, sent, release)
}

// streamHeadTimeout bounds the write of a stream's head and catch-up.
const streamHeadTimeout = 10 * time.Second

// streamHead is the response head of an event stream with the headers the middleware set, and
// the first lines of the stream. The body runs until the connection closes.
func streamHead(h http.Header) []byte {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the events back
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	w.WriteString("HTTP/1.1 200 OK\r\n")
	h.Write(w) //nolint:errcheck // writes to memory
	w.WriteString("\r\nretry: 2000\n: connected\n\n")
	w.Flush()
	return b.Bytes()
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
