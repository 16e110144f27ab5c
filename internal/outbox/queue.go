package outbox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
)

// Message is a claimed outbox message: what a worker needs to know to send it.
type Message struct {
	ID int64 `db:"id"`
	// MessageID is the message's own, for ever: every attempt to send it carries it, so that a
	// message sent again after a crash is the same message to mail clients.
	MessageID      string    `db:"message_id"`
	Kind           string    `db:"kind"`
	RegistrationID int64     `db:"registration_id"` // 0 for a message about an account link
	AccountLinkID  int64     `db:"account_link_id"` // 0 for a message about a registration
	Attempts       int       `db:"attempts"`        // attempts before this one
	DueAt          time.Time `db:"due_at"`
	// NoticeID names the notice whose words a message of KindNotice carries; nil for other kinds.
	NoticeID *int64 `db:"notice_id"`
	// Payload is what the message has to say beyond the current state (see Replace), or nil.
	Payload []byte `db:"payload"`
}

// Queue is the outbox as one worker sees it. A worker claims due messages in one short
// statement, which leases them to it: under its name, until a time the database sets. It sends
// them outside any transaction, and records each outcome in another short statement that
// applies only while the message is still leased to it. A lease that runs out (its worker
// died, or lost the database) lets any worker claim the message again.
type Queue struct {
	DB sqlx.ExtContext
	// Name says who holds a lease: unique for each worker, as NewName makes it.
	Name string
	// Lease is how long a claimed message stays with its worker unless renewed.
	Lease   time.Duration
	Backoff Backoff
}

// NewName returns a name for a worker that no other worker has: host, process and a random part.
func NewName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "podium"
	}
	return fmt.Sprintf("%s/%d/%08x", host, os.Getpid(), rand.Uint32())
}

// Claim leases up to limit messages that are due at due, skipping those another worker holds,
// and returns them, oldest first, with the time until which their lease holds at least, by this
// process's clock.
func (q *Queue) Claim(ctx context.Context, due time.Time, limit int) ([]Message, time.Time, error) {
	held := time.Now().Add(q.Lease)
	query := `UPDATE outbox SET leased_by = $1, leased_until = now() + make_interval(secs => $2)
		WHERE id IN (
			SELECT o.id FROM outbox o
			WHERE o.status = 'queued' AND o.due_at <= $3 AND NOT ` + leased + `
			ORDER BY o.due_at, o.id LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING id, message_id, kind, COALESCE(registration_id, 0) AS registration_id,
			COALESCE(account_link_id, 0) AS account_link_id, attempts, due_at, notice_id, payload`
	var ms []Message
	if err := db.Select(ctx, q.DB, &ms, query, q.Name, q.Lease.Seconds(), due, limit); err != nil {
		return nil, time.Time{}, fmt.Errorf("outbox: claim: %w", err)
	}
	// RETURNING keeps no order; messages go out oldest first.
	slices.SortFunc(ms, func(a, b Message) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return ms, held, nil
}

// Renew extends the leases of messages this worker still holds and has not recorded, and
// returns those it still holds with the time until which their lease holds at least.
func (q *Queue) Renew(ctx context.Context, ids []int64) ([]int64, time.Time, error) {
	held := time.Now().Add(q.Lease)
	query := `WITH mine AS (` + mine + `)
		UPDATE outbox o SET leased_until = now() + make_interval(secs => $3)
		FROM mine WHERE o.id = mine.id
		RETURNING o.id`
	var renewed []int64
	if err := sqlx.SelectContext(ctx, q.DB, &renewed, query, q.Name, pq.Array(ids), q.Lease.Seconds()); err != nil {
		return nil, time.Time{}, fmt.Errorf("outbox: renew leases: %w", err)
	}
	return renewed, held, nil
}

// Release gives back messages this worker claimed but will not send (it is stopping), so that
// any worker may claim them at once.
func (q *Queue) Release(ctx context.Context, ids []int64) error {
	query := `WITH mine AS (` + mine + `)
		UPDATE outbox o SET leased_by = NULL, leased_until = NULL
		FROM mine WHERE o.id = mine.id`
	if _, err := q.DB.ExecContext(ctx, query, q.Name, pq.Array(ids)); err != nil {
		return fmt.Errorf("outbox: release: %w", err)
	}
	return nil
}

// mine selects and locks the messages with ids $2 that are still leased to the worker named $1.
// Every statement that waits for row locks of the outbox takes them in the order of the ids, so
// that a worker's statements and an erasure never wait for each other in a circle.
const mine = `SELECT id FROM outbox WHERE id = ANY($2) AND leased_by = $1 AND status = 'queued' ORDER BY id FOR UPDATE`

// Outcome is what became of one attempt to send a message.
type Outcome string

// Outcomes of an attempt.
const (
	Sent    Outcome = "sent"    // the mail server took it
	Retried Outcome = "retried" // refused for now; queued again for later
	Failed  Outcome = "failed"  // refused for good, or too many attempts
	Dropped Outcome = "dropped" // it no longer applies and was not sent
	// Lost means the outcome was not recorded: the message is no longer leased to this worker
	// (erased with its recipient, or claimed by another worker after the lease ran out).
	Lost Outcome = "lost"
)

// Result is the outcome of one attempt to send a message, to be recorded.
type Result struct {
	Message Message
	Outcome Outcome
	// Reason says why the message was not sent; it must name nobody: organizers read it.
	Reason string
	// At is when the attempt ended.
	At time.Time
	// RetryAt is when a message Retried is due again.
	RetryAt time.Time
}

// Sent is the result of an attempt the mail server took at at.
func (q *Queue) Sent(m Message, at time.Time) Result {
	return Result{Message: m, Outcome: Sent, At: at}
}

// Dropped is the result of a message not sent at at because it no longer applies.
func (q *Queue) Dropped(m Message, reason string, at time.Time) Result {
	return Result{Message: m, Outcome: Dropped, Reason: reason, At: at}
}

// Failure is the result of an attempt that failed at at: a permanent failure, or the last
// attempt the backoff allows, fails the message for good; otherwise it is retried after the
// backoff's delay.
func (q *Queue) Failure(m Message, reason string, permanent bool, at time.Time) Result {
	delay, again := q.Backoff.after(m.Attempts + 1)
	if permanent || !again {
		return Result{Message: m, Outcome: Failed, Reason: reason, At: at}
	}
	return Result{Message: m, Outcome: Retried, Reason: reason, At: at, RetryAt: at.Add(delay)}
}

// Record records results in one statement, each only while its message is still leased to this
// worker, and ends those leases. It returns the results, with Lost for those not recorded: the
// message is no longer this worker's (erased with its recipient, or claimed by another worker
// after the lease ran out).
func (q *Queue) Record(ctx context.Context, results []Result) ([]Result, error) {
	type row struct {
		ID        int64      `json:"id"`
		Status    string     `json:"status"`
		LastError *string    `json:"last_error"`
		SentAt    *time.Time `json:"sent_at"`
		DueAt     *time.Time `json:"due_at"`
	}
	rows := make([]row, len(results))
	for i, r := range results {
		rows[i] = row{ID: r.Message.ID, Status: string(r.Outcome)}
		switch r.Outcome {
		case Sent:
			rows[i].SentAt = &r.At
		case Retried:
			rows[i].Status, rows[i].DueAt = "queued", &r.RetryAt
			fallthrough
		default:
			rows[i].LastError = &r.Reason
		}
	}
	raw, err := json.Marshal(rows)
	if err != nil {
		return nil, fmt.Errorf("outbox: record: %w", err)
	}
	query := `WITH r AS (
			SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(id bigint, status text, last_error text, sent_at timestamptz, due_at timestamptz)
		), mine AS (` + mine + `)
		UPDATE outbox o SET status = r.status, attempts = o.attempts + 1, last_error = r.last_error,
			sent_at = r.sent_at, due_at = COALESCE(r.due_at, o.due_at), leased_by = NULL, leased_until = NULL
		FROM r JOIN mine ON mine.id = r.id
		WHERE o.id = r.id
		RETURNING o.id`
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.Message.ID
	}
	var recorded []int64
	if err := db.Select(ctx, q.DB, &recorded, query, q.Name, pq.Array(ids), string(raw)); err != nil {
		return nil, fmt.Errorf("outbox: record: %w", err)
	}
	mine := make(map[int64]bool, len(recorded))
	for _, id := range recorded {
		mine[id] = true
	}
	out := slices.Clone(results)
	for i, r := range out {
		if !mine[r.Message.ID] {
			out[i].Outcome = Lost
		}
	}
	return out, nil
}

// Backoff says when a message that the mail server refused for now is tried again: after Base,
// then twice as long after each further attempt, up to Max, with ±20 % jitter so that workers do
// not retry in lockstep against a recovering server; after Attempts attempts it fails for good.
type Backoff struct {
	Base     time.Duration
	Max      time.Duration
	Attempts int
}

// after returns the delay before the next attempt once attempts have failed, and false when no
// attempt is left.
func (b Backoff) after(attempts int) (time.Duration, bool) {
	if attempts >= b.Attempts {
		return 0, false
	}
	delay := b.Base << (attempts - 1)
	if delay > b.Max || delay <= 0 {
		delay = b.Max
	}
	return time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64())), true
}
