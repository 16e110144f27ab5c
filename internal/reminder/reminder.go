// Package reminder decides when reminder mails are due and queues them in the outbox, so they
// are sent by the same worker as every other mail: once, and surviving restarts.
//
// The rules: each confirmed registration of a published event gets one reminder per offset of
// its event, due at start − offset, if it was confirmed before that moment. When the event
// moves, its queued reminders are replaced; when a registration stops being confirmed or the
// event is cancelled, they go. The worker drops any that still comes due after the event
// started.
//
// A reminder is queued when its moment comes near, not when someone registers: Queuer, which
// the worker runs before each pass, queues it for everyone confirmed by then, Ahead of its
// moment. A registration rush so writes one message per person (the registration's) instead of
// one per reminder besides, and a moved event has nothing to rewrite. Only a person confirmed
// shortly before a moment queues that reminder themselves (Schedule): within Soon of it.
package reminder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/outbox"
)

// Ahead is how long before its moment QueueDue queues a reminder for everyone: room for a worker
// that is busy or restarting.
const Ahead = 15 * time.Minute

// Soon is how close to its moment a confirmed person queues a reminder themselves. It is longer
// than Ahead by far more than a registration's transaction can take, so a person confirmed while
// QueueDue queues a moment (whose statement does not see them yet) has queued it already; the
// outbox queues a reminder once, whoever comes second.
const Soon = 2 * Ahead

// due selects the reminders of the confirmed registrations of %[1]s (the table, or a
// statement's new rows) that %[2]s chooses (on registrations r and their events e), one per
// offset whose moment is after %[3]s and not after %[4]s, and after the person's confirmation.
// The occasion names offset and start, so a reminder for one moment is queued once, and a
// moved event gets new ones.
const due = `SELECT r.id AS registration_id,
		':' || o.seconds || ':' || extract(epoch FROM e.starts_at)::bigint AS occasion,
		e.starts_at - make_interval(secs => o.seconds) AS due_at
	FROM %[1]s r
	JOIN events e ON e.id = r.event_id
	CROSS JOIN LATERAL unnest(e.reminder_offsets) AS o(seconds)
	WHERE %[2]s AND r.status = 'confirmed' AND r.erased_at IS NULL AND e.status = 'published'
		AND e.starts_at - make_interval(secs => o.seconds) > %[3]s
		AND e.starts_at - make_interval(secs => o.seconds) <= %[4]s
		AND r.confirmed_at < e.starts_at - make_interval(secs => o.seconds)`

// soon is the end of the reminders a person confirmed at now (an SQL expression) queues.
func soon(now string) string {
	return fmt.Sprintf("%s + make_interval(secs => %d)", now, int(Soon.Seconds()))
}

// Schedule queues the reminders of one confirmed registration that are due Soon, with the event
// as it is stored now (the caller holds the event's lock, so it cannot move meanwhile).
func Schedule(ctx context.Context, q sqlx.ExtContext, registrationID int64, now time.Time) error {
	reminders := outbox.Query{SQL: fmt.Sprintf(due, "registrations", "r.id = $2", "$1", soon("$1")), Args: []any{now, registrationID}}
	if _, err := outbox.Schedule(ctx, q, outbox.KindReminder, reminders); err != nil {
		return fmt.Errorf("reminder: schedule: %w", err)
	}
	return nil
}

// ScheduleFrom is the statement of Schedule for a registration that is made in one statement:
// it queues the reminders of the confirmed rows of registrations, the name of that statement's
// new rows (every column of the table), as of now, an SQL expression.
func ScheduleFrom(registrations, now string) string {
	return outbox.ScheduleFrom(outbox.KindReminder, "("+fmt.Sprintf(due, registrations, "true", now, soon(now))+")")
}

// Queuer queues the reminders whose moment comes near, for the mail worker.
type Queuer struct{ DB *sqlx.DB }

// QueueDue queues, for everyone confirmed before it, each reminder of a published event that
// comes due within Ahead of now and was not queued yet, and returns how many it queued. Any
// number of workers may run it at once.
func (q Queuer) QueueDue(ctx context.Context, now time.Time) (int64, error) {
	var queued int64
	err := db.InTx(ctx, q.DB, func(tx *sqlx.Tx) error {
		var err error
		queued, err = queueDue(ctx, tx, `status = 'published' AND starts_at > $1`, now, now.Add(Ahead))
		return err
	})
	if errors.Is(err, errMoved) {
		return 0, nil // the next pass queues the event as it is now
	}
	if err != nil {
		return 0, fmt.Errorf("reminder: queue due: %w", err)
	}
	return queued, nil
}

// errMoved says an event's reminders were rescheduled while they were being queued.
var errMoved = errors.New("reminder: the event moved meanwhile")

// queueDue queues the reminders of the events that which chooses (on events, with now as $1)
// due after each event's reminders_queued_until and not after until, and moves that mark to
// until, in one statement. It takes no lock on the events before the end, so registrations
// never wait for the rows it writes: the mark moves only where it is still what the statement
// read, and when an event was rescheduled meanwhile the statement fails with errMoved, undoing
// what it queued from the old time.
func queueDue(ctx context.Context, tx sqlx.QueryerContext, which string, now, until time.Time) (int64, error) {
	chosen := `(SELECT r.*, d.since FROM registrations r JOIN due_events d ON d.id = r.event_id)`
	query := `WITH due_events AS (
			SELECT id, reminders_queued_until AS since FROM events
			WHERE ` + which + ` AND EXISTS (
				SELECT 1 FROM unnest(reminder_offsets) AS o(seconds)
				WHERE starts_at - make_interval(secs => o.seconds) > reminders_queued_until
					AND starts_at - make_interval(secs => o.seconds) <= $2)
		), queued AS (
			` + outbox.ScheduleFrom(outbox.KindReminder, "("+fmt.Sprintf(due, chosen, "true", "r.since", "$2")+")") + `
			RETURNING registration_id
		), marked AS (
			UPDATE events e SET reminders_queued_until = $2 FROM due_events d
			WHERE e.id = d.id AND e.reminders_queued_until = d.since
			RETURNING e.id
		)
		SELECT (SELECT count(*) FROM queued) AS queued, (SELECT count(*) FROM due_events) AS due,
			(SELECT count(*) FROM marked) AS marked`
	var n struct {
		Queued int64 `db:"queued"`
		Due    int64 `db:"due"`
		Marked int64 `db:"marked"`
	}
	if err := sqlx.GetContext(ctx, tx, &n, query, now, until); err != nil {
		return 0, err
	}
	if n.Marked < n.Due {
		return 0, errMoved
	}
	return n.Queued, nil
}

// Reschedule replaces the queued reminders of every registration of the event, after its time or
// its offsets changed, or it was published: none for a moment before now, and those due within
// Ahead are queued at once. The caller holds the event's lock.
func Reschedule(ctx context.Context, q sqlx.ExtContext, eventID int64, now time.Time) error {
	if err := DropEvent(ctx, q, eventID); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE events SET reminders_queued_until = $2 WHERE id = $1`, eventID, now); err != nil {
		return fmt.Errorf("reminder: reschedule: %w", err)
	}
	which := fmt.Sprintf("id = %d AND starts_at > $1", eventID)
	if _, err := queueDue(ctx, q, which, now, now.Add(Ahead)); err != nil {
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
