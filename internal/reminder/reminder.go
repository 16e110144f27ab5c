// Package reminder decides when reminder mails are due and queues them in the outbox, so they
// are sent by the same worker as every other mail: once, and surviving restarts.
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

	"github.com/podium-events/podium/internal/outbox"
)

// due selects the reminders due for the confirmed registrations of %[1]s (the table, or a
// statement's new rows) that %[2]s chooses (on registrations r and their events e), one per
// offset whose moment is still after %[3]s (now). The occasion names offset and start, so a
// reminder for one moment is queued once, and a moved event gets new ones.
const due = `SELECT r.id AS registration_id,
		':' || o.seconds || ':' || extract(epoch FROM e.starts_at)::bigint AS occasion,
		e.starts_at - make_interval(secs => o.seconds) AS due_at
	FROM %[1]s r
	JOIN events e ON e.id = r.event_id
	CROSS JOIN LATERAL unnest(e.reminder_offsets) AS o(seconds)
	WHERE %[2]s AND r.status = 'confirmed' AND r.erased_at IS NULL AND e.status = 'published'
		AND e.starts_at - make_interval(secs => o.seconds) > %[3]s`

// Schedule queues the reminders of one confirmed registration, with the event as it is stored
// now (the caller holds the event's lock, so it cannot move meanwhile).
func Schedule(ctx context.Context, q sqlx.ExtContext, registrationID int64, now time.Time) error {
	reminders := outbox.Query{SQL: fmt.Sprintf(due, "registrations", "r.id = $2", "$1"), Args: []any{now, registrationID}}
	if err := outbox.Schedule(ctx, q, outbox.KindReminder, reminders); err != nil {
		return fmt.Errorf("reminder: schedule: %w", err)
	}
	return nil
}

// ScheduleFrom is the statement of Schedule for a registration that is made in one statement:
// it queues the reminders of the confirmed rows of registrations, the name of that statement's
// new rows (every column of the table), as of now, an SQL expression.
func ScheduleFrom(registrations, now string) string {
	return outbox.ScheduleFrom(outbox.KindReminder, "("+fmt.Sprintf(due, registrations, "true", now)+")")
}

// Reschedule replaces the queued reminders of every registration of the event, after its time or
// its offsets changed.
func Reschedule(ctx context.Context, q sqlx.ExtContext, eventID int64, now time.Time) error {
	if err := DropEvent(ctx, q, eventID); err != nil {
		return err
	}
	reminders := outbox.Query{SQL: fmt.Sprintf(due, "registrations", "r.event_id = $2", "$1"), Args: []any{now, eventID}}
	if err := outbox.Schedule(ctx, q, outbox.KindReminder, reminders); err != nil {
		return fmt.Errorf("reminder: reschedule: %w", err)
	}
	return nil
}

// Drop removes the queued reminders of a registration that no longer holds a seat. A reminder
// a worker is sending at this moment is left alone: it is on its way anyway.
func Drop(ctx context.Context, q sqlx.ExtContext, registrationID int64) error {
	if err := outbox.WithdrawOne(ctx, q, outbox.KindReminder, registrationID); err != nil {
		return fmt.Errorf("reminder: drop: %w", err)
	}
	return nil
}

// DropEvent removes the queued reminders of every registration of the event.
func DropEvent(ctx context.Context, q sqlx.ExtContext, eventID int64) error {
	registrations := outbox.Query{SQL: `SELECT id AS registration_id FROM registrations WHERE event_id = $1`, Args: []any{eventID}}
	if err := outbox.Withdraw(ctx, q, outbox.KindReminder, registrations); err != nil {
		return fmt.Errorf("reminder: drop: %w", err)
	}
	return nil
}
