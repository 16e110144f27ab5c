// Package mail sends Podium's messages: an outbox table written in the same transaction as the
// change that causes a message, a worker that claims due messages and sends them with go-mail,
// retrying with backoff, and the templates that render them.
package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of messages to attendees.
const (
	KindConfirm        = "confirm"         // please confirm your email address
	KindRegistered     = "registered"      // your seat is confirmed
	KindWaitlisted     = "waitlisted"      // you are on the waitlist
	KindPromoted       = "promoted"        // a seat freed up for you
	KindCancelled      = "cancelled"       // your registration is cancelled
	KindUpdated        = "updated"         // the event moved: new time, place or join link
	KindEventCancelled = "event_cancelled" // the event will not take place
	KindReminder       = "reminder"        // the event begins soon
)

// Enqueue queues one message about a registration, due at once. A message of the same kind for
// the same registration is queued only once, however often this is called.
func Enqueue(ctx context.Context, q sqlx.ExecerContext, kind string, registrationID int64) error {
	return EnqueueAt(ctx, q, kind, registrationID, fmt.Sprintf("registration:%d:%s", registrationID, kind), time.Time{})
}

// EnqueueAt queues a message under an explicit dedupe key, due at due (zero: now).
func EnqueueAt(ctx context.Context, q sqlx.ExecerContext, kind string, registrationID int64, dedupeKey string, due time.Time) error {
	query := `INSERT INTO outbox (dedupe_key, kind, registration_id, due_at)
		VALUES ($1, $2, $3, COALESCE($4, now()))
		ON CONFLICT (dedupe_key) DO NOTHING`
	var dueAt *time.Time
	if !due.IsZero() {
		dueAt = &due
	}
	if _, err := q.ExecContext(ctx, query, dedupeKey, kind, registrationID, dueAt); err != nil {
		return fmt.Errorf("mail: enqueue %s: %w", kind, err)
	}
	return nil
}

// Unqueue takes back a message of kind queued for a registration in the same transaction, when
// what it would say is no longer true (a seat that turned out to be a waitlist place).
func Unqueue(ctx context.Context, q sqlx.ExecerContext, kind string, registrationID int64) error {
	query := `DELETE FROM outbox WHERE dedupe_key = $1 AND status = 'queued'`
	if _, err := q.ExecContext(ctx, query, fmt.Sprintf("registration:%d:%s", registrationID, kind)); err != nil {
		return fmt.Errorf("mail: unqueue %s: %w", kind, err)
	}
	return nil
}
