package qa

import (
	"io"
	"sync"
	"time"
)

// Conn is the client connection of a stream, taken over from the HTTP server once the
// response has begun: the hub writes every frame to it directly. An open stream then costs a
// connection and a few hundred bytes, not a goroutine with its buffers waiting for news.
type Conn interface {
	io.ReadWriteCloser
	SetWriteDeadline(time.Time) error
}

// writeTimeout is how long one frame may take to reach a client. A client whose connection
// is this far behind is dropped; its browser reconnects with Last-Event-ID and catches up,
// and nobody else waits for it.
const writeTimeout = 2 * time.Second

// maxPending bounds the frames kept for a stream between Subscribe and Attach.
const maxPending = 16

// Subscriber is one open stream of one event.
type Subscriber struct {
	Moderator   bool
	Participant string
	feed        *feed

	mu      sync.Mutex // orders the writes to conn
	conn    Conn       // nil until Attach
	pending []Frame    // frames that arrived before Attach
	sent    int64      // the change the client has been brought to
	wrote   time.Time  // the last write to conn
	ended   bool
	onEnd   func()
}

// Attach hands the stream its connection, after the handler wrote the response head and the
// catch-up up to change sent. Frames that arrived meanwhile follow; from then on the hub writes
// to conn and calls onEnd once the stream is over (the client left or fell behind, or the
// server shuts down).
func (h *Hub) Attach(s *Subscriber, conn Conn, sent int64, onEnd func()) {
	s.mu.Lock()
	s.conn, s.sent, s.onEnd = conn, sent, onEnd
	pending := s.pending
	s.pending = nil
	ok := !s.ended
	for _, fr := range pending {
		ok = ok && s.writeLocked(fr)
	}
	s.mu.Unlock()
	if !ok {
		h.drop(s)
		return
	}
	// A client sends nothing after its request; a read that returns means it left.
	go func() {
		var b [1]byte
		conn.Read(b[:]) //nolint:errcheck // any outcome means the client is gone
		h.drop(s)
	}()
}

// deliver writes a frame to the stream, or keeps it until Attach. It reports false when the
// stream cannot take it and must end.
func (s *Subscriber) deliver(fr Frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return true
	}
	if s.conn == nil {
		if len(s.pending) >= maxPending {
			return false
		}
		s.pending = append(s.pending, fr)
		return true
	}
	return s.writeLocked(fr)
}

func (s *Subscriber) writeLocked(fr Frame) bool {
	if fr.Through != 0 && fr.Through <= s.sent {
		return true // the catch-up brought this already
	}
	now := time.Now()
	if fr.keepAlive && now.Sub(s.wrote) < heartbeatEvery {
		return true
	}
	s.conn.SetWriteDeadline(now.Add(writeTimeout)) //nolint:errcheck // a failed write says the same
	if _, err := s.conn.Write(fr.Data); err != nil {
		return false
	}
	s.wrote = now
	s.sent = max(s.sent, fr.Through)
	return true
}

// end closes the stream once; the caller then removes it from its feed.
func (s *Subscriber) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	conn, onEnd := s.conn, s.onEnd
	s.pending = nil
	s.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	if onEnd != nil {
		onEnd()
	}
}

// drop ends a stream and forgets it.
func (h *Hub) drop(s *Subscriber) {
	s.end()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.forget(s)
}

// forget removes a stream from its feed, and the feed once it has none; the caller holds mu.
func (h *Hub) forget(s *Subscriber) {
	f := s.feed
	delete(f.subs, s)
	if len(f.subs) == 0 && h.feeds[f.eventID] == f {
		delete(h.feeds, f.eventID)
	}
}

// fanOut writes frames to streams, spread over a few goroutines so that a large audience
// uses every core; a stream that cannot take its frame ends.
func (h *Hub) fanOut(subs []*Subscriber, frame func(*Subscriber) Frame) {
	workers := min(max(len(subs)/256, 1), fanOutWorkers)
	var failed []*Subscriber
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(subs); i += workers {
				if !subs[i].deliver(frame(subs[i])) {
					mu.Lock()
					failed = append(failed, subs[i])
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, s := range failed {
		h.drop(s)
	}
}

// fanOutWorkers bounds the goroutines writing one batch.
const fanOutWorkers = 8
