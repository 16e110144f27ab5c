package qa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Batching: a change goes out at once when the event's streams were quiet for flushEvery;
// during a storm of votes, changes are gathered and sent at most every flushEvery, each
// question once with its latest state. Every batch is one write to every open stream, the
// largest cost of a live audience (measured: nine tenths of it in the kernel's TCP), so the
// pace is what keeps that cost flat, whatever the number of votes: at 850 ms a thousand open
// pages voting 10 times a second cost the server 4 to 5 ms per vote (at 750 ms, 5 to 6) and are
// current within 0.9 s at the 99th percentile.
const flushEvery = 850 * time.Millisecond

// heartbeatEvery keeps proxies from closing a quiet stream; most close idle connections after
// 60 s, and a stream gets something at least every two of these (see heartbeat).
const heartbeatEvery = 20 * time.Second

// queryTimeout bounds the hub's reads of a batch.
const queryTimeout = 5 * time.Second

// ErrClosed means the hub is shutting down and takes no new streams.
var ErrClosed = errors.New("qa: the live hub is shutting down")

// feed is one event's streams in this process and how far they have been brought.
type feed struct {
	eventID   int64
	subs      map[*Subscriber]struct{}
	ready     bool  // delivered is known
	delivered int64 // the change number every stream of the feed has been sent
	announced int64 // the newest change number announced by NOTIFY
	flushing  bool  // a flush or heartbeat is scheduled or writing
	lastFlush time.Time
}

// Hub listens for question and poll changes of all processes (LISTEN on PostgreSQL) and fans
// them out to the streams open in this process. Each batch of changes is read from the database once and
// encoded once per kind of viewer, however many streams are open.
type Hub struct {
	pool  *sqlx.DB
	log   *slog.Logger
	polls PollSource

	ready chan struct{}
	ctx   context.Context // ends with Run

	mu      sync.Mutex
	feeds   map[int64]*feed
	closing bool
	batches int64 // batches read, for tests and metrics
}

// NewHub returns a hub reading changes from pool, with the events of changed polls prepared by
// polls. Call Run to start listening.
func NewHub(pool *sqlx.DB, log *slog.Logger, polls PollSource) *Hub {
	return &Hub{pool: pool, log: log, polls: polls, ready: make(chan struct{}), feeds: map[int64]*feed{}, ctx: context.Background()}
}

// Subscribe opens a stream of the event's changes; frames wait for Attach. It returns the change
// number the stream starts after: a client that has seen less catches up with Changes first.
// A stream that is never attached must be given back with Unsubscribe.
func (h *Hub) Subscribe(ctx context.Context, eventID int64, moderator bool, participant string) (*Subscriber, int64, error) {
	s := &Subscriber{Moderator: moderator, Participant: participant}
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return nil, 0, ErrClosed
	}
	f := h.feeds[eventID]
	if f == nil {
		f = &feed{eventID: eventID, subs: map[*Subscriber]struct{}{}}
		h.feeds[eventID] = f
	}
	f.subs[s] = struct{}{}
	s.feed = f
	if f.ready {
		defer h.mu.Unlock()
		return s, f.delivered, nil
	}
	h.mu.Unlock()

	// The first stream of an event in this process: changes announced from now on are
	// gathered in announced, and the feed starts at the newest committed change.
	last, err := LastChange(ctx, h.pool, eventID)
	if err != nil {
		h.Unsubscribe(s)
		return nil, 0, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !f.ready {
		f.ready, f.delivered = true, last
		if f.announced > last {
			h.schedule(f)
		}
	}
	return s, f.delivered, nil
}

// Unsubscribe gives back a stream that was never attached; calling it twice is harmless.
func (h *Hub) Unsubscribe(s *Subscriber) { h.drop(s) }

// Close ends every open stream and refuses new ones, for a server shutting down: browsers
// reconnect at once, to another process.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closing = true
	var all []*Subscriber
	for _, f := range h.feeds {
		for s := range f.subs {
			all = append(all, s)
		}
	}
	h.feeds = map[int64]*feed{}
	h.mu.Unlock()
	for _, s := range all {
		s.end()
	}
}

// Ready is closed once Run listens: changes made after it reach this process's streams.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Subscribers counts the open streams, for metrics and tests.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, f := range h.feeds {
		n += len(f.subs)
	}
	return n
}

// Batches counts the batches read from the database since start.
func (h *Hub) Batches() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.batches
}

// Run listens until ctx ends. lib/pq's Listener reconnects by itself; after a reconnect every
// feed reads what it may have missed.
func (h *Hub) Run(ctx context.Context, databaseURL string) error {
	report := func(ev pq.ListenerEventType, err error) {
		if err != nil {
			h.log.Warn("question listener", "event", int(ev), "error", err)
		}
	}
	l := pq.NewListener(databaseURL, 100*time.Millisecond, 10*time.Second, report)
	defer l.Close()
	if err := l.Listen(notifyChannel); err != nil {
		return fmt.Errorf("qa: listen: %w", err)
	}
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
	close(h.ready)
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n == nil { // reconnected: notifications may have been lost meanwhile
				h.catchUp()
				continue
			}
			h.announce(n.Extra)
		case <-ping.C:
			go l.Ping() //nolint:errcheck // a failed ping makes the listener reconnect
		case <-beat.C:
			go h.heartbeat()
		}
	}
}

// announce notes a committed change and schedules its feed's next batch.
func (h *Hub) announce(payload string) {
	eventID, seq, ok := parsePayload(payload)
	if !ok {
		h.log.Warn("question listener: unreadable notification")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[eventID]
	if f == nil {
		return
	}
	f.announced = max(f.announced, seq)
	if f.ready && seq > f.delivered {
		h.schedule(f)
	}
}

// catchUp makes every feed read what was committed while the listener was away.
func (h *Hub) catchUp() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.feeds {
		if f.ready {
			h.schedule(f)
		}
	}
}

// schedule plans the feed's next batch: now if it was quiet, else one flushEvery after the last;
// the caller holds mu.
func (h *Hub) schedule(f *feed) {
	if f.flushing {
		return
	}
	f.flushing = true
	time.AfterFunc(max(time.Until(f.lastFlush.Add(flushEvery)), 0), func() { h.flush(f) })
}

// flush reads everything committed after what the feed delivered, in one query, and writes it
// to each stream as prepared frames.
func (h *Hub) flush(f *feed) {
	h.mu.Lock()
	since, ctx := f.delivered, h.ctx
	if len(f.subs) == 0 || h.closing {
		f.flushing = false
		h.mu.Unlock()
		return
	}
	h.batches++
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	b, err := Changes(ctx, h.pool, f.eventID, since, h.polls)
	var frames *Frames
	if err == nil {
		frames, err = PrepareFrames(b)
	}
	if err != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		f.lastFlush = time.Now()
		if h.ctx.Err() != nil {
			f.flushing = false
			return // shutting down
		}
		// Try again after a pause; the streams stay where they were.
		h.log.Error("question stream: reading changes", "event_id", f.eventID, "error", err)
		time.AfterFunc(time.Second, func() { h.flush(f) })
		return
	}
	h.mu.Lock()
	var subs []*Subscriber
	if b.Through > f.delivered {
		f.delivered = b.Through
		subs = f.list()
	}
	h.mu.Unlock()
	h.fanOut(subs, func(s *Subscriber) Frame { return frames.For(s.Moderator, s.Participant) })
	h.done(f)
}

// done ends a flush or heartbeat of the feed and plans the next batch if more was announced.
func (h *Hub) done(f *feed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f.flushing = false
	f.lastFlush = time.Now()
	if f.announced > f.delivered {
		h.schedule(f)
	}
}

// list returns the feed's streams; the caller holds mu.
func (f *feed) list() []*Subscriber {
	out := make([]*Subscriber, 0, len(f.subs))
	for s := range f.subs {
		out = append(out, s)
	}
	return out
}

// heartbeat writes a comment to every stream of every feed that is not writing a batch anyway.
func (h *Hub) heartbeat() {
	h.mu.Lock()
	var idle []*feed
	var lists [][]*Subscriber
	for _, f := range h.feeds {
		if !f.flushing {
			f.flushing = true
			idle = append(idle, f)
			lists = append(lists, f.list())
		}
	}
	h.mu.Unlock()
	for i, f := range idle {
		h.fanOut(lists[i], func(*Subscriber) Frame { return heartbeat })
		h.done(f)
	}
}

func parsePayload(payload string) (eventID, seq int64, ok bool) {
	a, b, found := strings.Cut(payload, " ")
	if !found {
		return 0, 0, false
	}
	eventID, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	return eventID, seq, err1 == nil && err2 == nil
}
