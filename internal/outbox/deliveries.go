package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/domain"
)

// Delivery is one message as organizers see it on the dashboard and in the API.
type Delivery struct {
	ID        int64      `db:"id" json:"id"`
	Kind      string     `db:"kind" json:"kind"`
	Status    string     `db:"status" json:"status"` // queued (waiting or retrying), sent, failed, dropped
	Attempts  int        `db:"attempts" json:"attempts"`
	LastError *string    `db:"last_error" json:"last_error"`
	DueAt     time.Time  `db:"due_at" json:"due_at"`
	SentAt    *time.Time `db:"sent_at" json:"sent_at"`
	Recipient string     `db:"recipient" json:"recipient"`
}

// Deliveries returns the messages to the people recipients yields (columns registration_id and
// address, ” once erased), newest first; status "" means all, "retrying" the queued ones that
// failed at least once.
func Deliveries(ctx context.Context, q sqlx.QueryerContext, recipients Query, status string, limit int) ([]Delivery, error) {
	query, args := recipients.embed(`SELECT o.id, o.kind, o.status, o.attempts, o.last_error, o.due_at, o.sent_at, r.address AS recipient
		FROM outbox o JOIN (%[1]s) AS r ON r.registration_id = o.registration_id
		WHERE ($%[2]d = '' OR o.status = $%[2]d OR ($%[2]d = 'retrying' AND o.status = 'queued' AND o.attempts > 0))
		ORDER BY o.id DESC LIMIT $%[3]d`, status, limit)
	out := []Delivery{}
	if err := sqlx.SelectContext(ctx, q, &out, query, args...); err != nil {
		return nil, fmt.Errorf("outbox: deliveries: %w", err)
	}
	return out, nil
}

// Counts counts the messages to the people recipients yields (column registration_id) by state:
// queued, retrying, sent, failed, dropped.
func Counts(ctx context.Context, q sqlx.QueryerContext, recipients Query) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	query, args := recipients.embed(`SELECT CASE WHEN o.status = 'queued' AND o.attempts > 0 THEN 'retrying' ELSE o.status END AS state, count(*) AS n
		FROM outbox o JOIN (%[1]s) AS r ON r.registration_id = o.registration_id
		GROUP BY 1`)
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("outbox: counts: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// Requeue queues a failed message again, due at once, with a fresh count of attempts, if it goes
// to one of the people recipients yields (columns registration_id and address, ” once erased)
// and that person's data still exists.
func Requeue(ctx context.Context, q sqlx.ExtContext, recipients Query, id int64) error {
	query, args := recipients.embed(`UPDATE outbox o SET status = 'queued', attempts = 0, due_at = now(), last_error = NULL
		FROM (%[1]s) AS r
		WHERE o.id = $%[2]d AND r.registration_id = o.registration_id AND o.status = 'failed' AND r.address <> ''`, id)
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("outbox: requeue: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.ConflictError{Code: "not_retryable", Message: "only a failed message of this event, to someone whose data still exists, can be retried"}
	}
	return nil
}

// NoticeCounts counts the messages of each notice by state, as Counts does: queued, retrying,
// sent, failed, dropped. A notice none of whose messages exists any more (their recipients
// erased their data) has no entry.
func NoticeCounts(ctx context.Context, q sqlx.QueryerContext, noticeIDs []int64) (map[int64]map[string]int, error) {
	var rows []struct {
		NoticeID int64  `db:"notice_id"`
		State    string `db:"state"`
		N        int    `db:"n"`
	}
	query := `SELECT notice_id, CASE WHEN status = 'queued' AND attempts > 0 THEN 'retrying' ELSE status END AS state, count(*) AS n
		FROM outbox WHERE notice_id = ANY($1)
		GROUP BY 1, 2`
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Array(noticeIDs)); err != nil {
		return nil, fmt.Errorf("outbox: notice counts: %w", err)
	}
	out := map[int64]map[string]int{}
	for _, r := range rows {
		if out[r.NoticeID] == nil {
			out[r.NoticeID] = map[string]int{}
		}
		out[r.NoticeID][r.State] = r.N
	}
	return out, nil
}
