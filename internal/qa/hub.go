package qa

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// subscriberBuffer is how many changes may wait for a slow client. A client that falls further
// behind is disconnected; its browser reconnects with Last-Event-ID and catches up, and nobody
// else waits for it.
const subscriberBuffer = 64

// Update is one change of a question as a stream sends it: ID is the change number (the SSE id).
type Update struct {
	ID       int64
	Kind     string // "created" or "updated"
	Question Question
}

// Subscriber is one open stream of one event.
type Subscriber struct {
	EventID     int64
	Moderator   bool
	Participant string
	// C delivers the changes; it is closed when the hub drops a subscriber that fell behind.
	C      chan Update
	closed bool
}

// Hub listens for question changes of all processes (LISTEN on PostgreSQL) and fans them out to
// the streams open in this process.
type Hub struct {
	pool *sqlx.DB
	log  *slog.Logger

	ready chan struct{}

	mu   sync.Mutex
	subs map[int64]map[*Subscriber]struct{}
	last int64 // the newest change delivered, to catch up after the listener reconnects
}

// NewHub returns a hub reading changes from pool. Call Run to start listening.
func NewHub(pool *sqlx.DB, log *slog.Logger) *Hub {
	return &Hub{pool: pool, log: log, ready: make(chan struct{}), subs: map[int64]map[*Subscriber]struct{}{}}
}

// Subscribe opens a stream of the event's changes.
func (h *Hub) Subscribe(eventID int64, moderator bool, participant string) *Subscriber {
	s := &Subscriber{EventID: eventID, Moderator: moderator, Participant: participant, C: make(chan Update, subscriberBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[eventID] == nil {
		h.subs[eventID] = map[*Subscriber]struct{}{}
	}
	h.subs[eventID][s] = struct{}{}
	return s
}

// Unsubscribe closes a stream.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[s.EventID], s)
	if len(h.subs[s.EventID]) == 0 {
		delete(h.subs, s.EventID)
	}
	if !s.closed {
		s.closed = true
		close(s.C)
	}
}

// Ready is closed once Run listens: changes made after it reach this process's streams.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Subscribers counts the open streams, for metrics and tests.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.subs {
		n += len(subs)
	}
	return n
}

// Run listens until ctx ends. lib/pq's Listener reconnects by itself; after a reconnect the hub
// fetches the changes it may have missed.
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
	if err := sqlx.GetContext(ctx, h.pool, &h.last, `SELECT COALESCE(max(id), 0) FROM question_changes`); err != nil {
		h.mu.Unlock()
		return fmt.Errorf("qa: listen: %w", err)
	}
	h.mu.Unlock()
	close(h.ready)
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n == nil { // reconnected: notifications may have been lost meanwhile
				h.catchUp(ctx)
				continue
			}
			h.deliver(ctx, n.Extra)
		case <-ping.C:
			go l.Ping() //nolint:errcheck // a failed ping makes the listener reconnect
		}
	}
}

// deliver fetches one announced change and hands it to the event's streams in this process.
func (h *Hub) deliver(ctx context.Context, payload string) {
	changeID, eventID, ok := parsePayload(payload)
	if !ok {
		h.log.Warn("question listener: unreadable notification")
		return
	}
	h.mu.Lock()
	listening := len(h.subs[eventID]) > 0
	if changeID > h.last {
		h.last = changeID
	}
	h.mu.Unlock()
	if !listening {
		return
	}
	updates, err := changes(ctx, h.pool, eventID, changeID-1, changeID)
	if err != nil {
		h.log.Error("question listener", "error", err)
		return
	}
	h.broadcast(updates)
}

func (h *Hub) catchUp(ctx context.Context) {
	h.mu.Lock()
	since := h.last
	var events []int64
	for id := range h.subs {
		events = append(events, id)
	}
	h.mu.Unlock()
	for _, eventID := range events {
		updates, err := changes(ctx, h.pool, eventID, since, 0)
		if err != nil {
			h.log.Error("question listener: catching up", "error", err)
			return
		}
		h.broadcast(updates)
	}
	var newest int64
	if err := sqlx.GetContext(ctx, h.pool, &newest, `SELECT COALESCE(max(id), 0) FROM question_changes`); err == nil {
		h.mu.Lock()
		h.last = max(h.last, newest)
		h.mu.Unlock()
	}
}

// broadcast hands each update to the subscribers that may see it, never waiting for one.
func (h *Hub) broadcast(updates []Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range updates {
		for s := range h.subs[u.Question.EventID] {
			if s.closed {
				continue
			}
			select {
			case s.C <- u:
			default:
				s.closed = true
				close(s.C)
			}
		}
	}
}

func parsePayload(payload string) (changeID, eventID int64, ok bool) {
	a, b, found := strings.Cut(payload, " ")
	if !found {
		return 0, 0, false
	}
	changeID, err1 := strconv.ParseInt(a, 10, 64)
	eventID, err2 := strconv.ParseInt(b, 10, 64)
	return changeID, eventID, err1 == nil && err2 == nil
}

// maxCatchUp bounds what a reconnecting client is sent; beyond it, the page reloads the list.
const maxCatchUp = 1000

// Since returns the changes of an event after the change number since, for a client that
// reconnects with Last-Event-ID.
func Since(ctx context.Context, q sqlx.QueryerContext, eventID, since int64) ([]Update, error) {
	return changes(ctx, q, eventID, since, 0)
}

// changes returns the event's changes after since, up to until (0: all), each with the
// question as it is now.
func changes(ctx context.Context, q sqlx.QueryerContext, eventID, since, until int64) ([]Update, error) {
	var rows []struct {
		ChangeID int64  `db:"change_id"`
		Kind     string `db:"kind"`
		Question
	}
	query := `SELECT c.id AS change_id, c.kind, ` + columns + `, false AS own, false AS voted
		FROM question_changes c JOIN questions q ON q.id = c.question_id
		WHERE c.event_id = $1 AND c.id > $2 AND ($3 = 0 OR c.id <= $3)
		ORDER BY c.id
		LIMIT ` + strconv.Itoa(maxCatchUp)
	if err := sqlx.SelectContext(ctx, q, &rows, query, eventID, since, until); err != nil {
		return nil, fmt.Errorf("qa: changes: %w", err)
	}
	out := make([]Update, len(rows))
	for i, r := range rows {
		out[i] = Update{ID: r.ChangeID, Kind: r.Kind, Question: r.Question}
	}
	return out, nil
}
