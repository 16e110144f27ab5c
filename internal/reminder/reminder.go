// Package reminder decides when reminder mails are due and queues them in the mail outbox, so
// they are sent by the same worker as every other mail: once, and surviving restarts.
//
// The rules: each confirmed registration of a published event gets one reminder per offset of
// its event, due at start − offset; none whose moment has passed when it is scheduled. When the
// event moves, its queued reminders are replaced; when a registration stops being confirmed or
// the event is cancelled, they go. The worker drops any that still comes due after the event
// started.
package reminder

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/mail"
)

// schedule inserts the due reminders of the confirmed registrations chosen by filter. The
// dedupe key names registration, offset and start, so a reminder for one moment is queued once,
// and a moved event gets new ones.
const schedule = `INSERT INTO outbox (dedupe_key, kind, registration_id, due_at)
	SELECT 'reminder:' || r.id || ':' || o.seconds || ':' || extract(epoch FROM e.starts_at)::bigint,
		$1, r.id, e.starts_at - make_interval(secs => o.seconds)
	FROM registrations r
	JOIN events e ON e.id = r.event_id
	CROSS JOIN LATERAL unnest(e.reminder_offsets) AS o(seconds)
	WHERE %s AND r.status = 'confirmed' AND r.erased_at IS NULL AND e.status = 'published'
		AND e.starts_at - make_interval(secs => o.seconds) > $3
	ON CONFLICT (dedupe_key) DO NOTHING`

// Schedule queues the reminders of one confirmed registration, with the event as it is stored
// now (the caller holds the event's lock, so it cannot move meanwhile).
func Schedule(ctx context.Context, q sqlx.ExecerContext, registrationID int64, now time.Time) error {
	query := fmt.Sprintf(schedule, "r.id = $2")
	if _, err := q.ExecContext(ctx, query, mail.KindReminder, registrationID, now); err != nil {
		return fmt.Errorf("reminder: schedule: %w", err)
	}
	return nil
}

// Reschedule replaces the queued reminders of every registration of the event, after its time or
// its offsets changed.
func Reschedule(ctx context.Context, q sqlx.ExecerContext, eventID int64, now time.Time) error {
	if err := DropEvent(ctx, q, eventID); err != nil {
		return err
	}
	query := fmt.Sprintf(schedule, "r.event_id = $2")
	if _, err := q.ExecContext(ctx, query, mail.KindReminder, eventID, now); err != nil {
		return fmt.Errorf("reminder: reschedule: %w", err)
	}
	return nil
}

// Drop removes the queued reminders of a registration that no longer holds a seat. A reminder
// the worker is sending at this moment is locked and skipped: it is on its way anyway.
func Drop(ctx context.Context, q sqlx.ExecerContext, registrationID int64) error {
	query := `DELETE FROM outbox WHERE id IN (
			SELECT id FROM outbox
			WHERE registration_id = $1 AND kind = $2 AND status = 'queued'
			FOR UPDATE SKIP LOCKED)`
	if _, err := q.ExecContext(ctx, query, registrationID, mail.KindReminder); err != nil {
		return fmt.Errorf("reminder: drop: %w", err)
	}
	return nil
}

// DropEvent removes the queued reminders of every registration of the event.
func DropEvent(ctx context.Context, q sqlx.ExecerContext, eventID int64) error {
	query := `DELETE FROM outbox WHERE id IN (
			SELECT o.id FROM outbox o JOIN registrations r ON r.id = o.registration_id
			WHERE r.event_id = $1 AND o.kind = $2 AND o.status = 'queued'
			FOR UPDATE OF o SKIP LOCKED)`
	if _, err := q.ExecContext(ctx, query, eventID, mail.KindReminder); err != nil {
		return fmt.Errorf("reminder: drop: %w", err)
	}
	return nil
}
