package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/domain"
)

// Delivery is one outbox message of an event as its organizers see it.
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

// Deliveries returns the event's messages, newest first; status "" means all, "retrying" the
// queued ones that failed at least once.
func Deliveries(ctx context.Context, q sqlx.QueryerContext, eventID int64, status string, limit int) ([]Delivery, error) {
	query := `SELECT o.id, o.kind, o.status, o.attempts, o.last_error, o.due_at, o.sent_at, r.email AS recipient
		FROM outbox o JOIN registrations r ON r.id = o.registration_id
		WHERE r.event_id = $1 AND ($2 = '' OR o.status = $2 OR ($2 = 'retrying' AND o.status = 'queued' AND o.attempts > 0))
		ORDER BY o.id DESC LIMIT $3`
	out := []Delivery{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, status, limit); err != nil {
		return nil, fmt.Errorf("mail: deliveries: %w", err)
	}
	return out, nil
}

// DeliveryCounts counts the event's messages by state, for the dashboard.
func DeliveryCounts(ctx context.Context, q sqlx.QueryerContext, eventID int64) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	query := `SELECT CASE WHEN o.status = 'queued' AND o.attempts > 0 THEN 'retrying' ELSE o.status END AS state, count(*) AS n
		FROM outbox o JOIN registrations r ON r.id = o.registration_id
		WHERE r.event_id = $1 GROUP BY 1`
	if err := sqlx.SelectContext(ctx, q, &rows, query, eventID); err != nil {
		return nil, fmt.Errorf("mail: counts: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// Retry queues a failed message of the event again, due at once, with a fresh count of attempts.
func Retry(ctx context.Context, q sqlx.ExecerContext, eventID, id int64) error {
	query := `UPDATE outbox o SET status = 'queued', attempts = 0, due_at = now(), last_error = NULL
		FROM registrations r
		WHERE o.id = $1 AND r.id = o.registration_id AND r.event_id = $2 AND o.status = 'failed' AND r.erased_at IS NULL`
	res, err := q.ExecContext(ctx, query, id, eventID)
	if err != nil {
		return fmt.Errorf("mail: retry: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.ConflictError{Message: "only a failed message of this event, to someone whose data still exists, can be retried"}
	}
	return nil
}
