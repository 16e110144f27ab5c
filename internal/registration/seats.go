package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// lockEvent takes the event's row lock. Every change of seats locks the event first and the
// registrations after, always in this order, so that concurrent changes queue instead of
// deadlocking.
func lockEvent(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM events WHERE id = $1 FOR UPDATE`, eventID); err != nil {
		return fmt.Errorf("registration: lock event: %w", err)
	}
	return nil
}

// takeSeat counts one more confirmed registration if the event has a seat left.
func takeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	query := `UPDATE events SET confirmed_count = confirmed_count + 1
		WHERE id = $1 AND (capacity IS NULL OR confirmed_count < capacity)`
	res, err := tx.ExecContext(ctx, query, eventID)
	if err != nil {
		return false, fmt.Errorf("registration: take seat: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func freeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE events SET confirmed_count = confirmed_count - 1 WHERE id = $1`, eventID); err != nil {
		return fmt.Errorf("registration: free seat: %w", err)
	}
	return nil
}

// fillFreeSeats gives every free seat of a published event to whoever has waited longest, in
// the transaction that freed it, so that no seat stays empty while people wait: after a
// cancellation, an erasure, an organizer's move, or a raised capacity. skip (a registration id,
// or 0) is not promoted: the person an organizer has just put on the waitlist. Each promoted
// person is told and gets their reminders. The caller holds the event's lock.
func fillFreeSeats(ctx context.Context, tx sqlx.ExtContext, eventID, skip int64, now time.Time) ([]Registration, error) {
	// One statement: the free seats, the people who get them (locked, longest waiting first)
	// and the counter, so the event's lock is held for one round trip more at most.
	query := `WITH free AS (
			SELECT CASE WHEN capacity IS NULL THEN NULL ELSE greatest(capacity - confirmed_count, 0) END AS seats
			FROM events WHERE id = $1 AND status = 'published'
		), chosen AS (
			SELECT id FROM registrations
			WHERE event_id = $1 AND status = 'waitlisted' AND id <> $2 AND erased_at IS NULL
				AND EXISTS (SELECT 1 FROM free)
			ORDER BY created_at, id
			LIMIT (SELECT seats FROM free)
			FOR UPDATE
		), promoted AS (
			UPDATE registrations SET status = 'confirmed', confirmed_at = now(), updated_at = now()
			WHERE id IN (SELECT id FROM chosen)
			RETURNING ` + columns + `
		), counted AS (
			UPDATE events SET confirmed_count = confirmed_count + (SELECT count(*) FROM promoted)
			WHERE id = $1 AND EXISTS (SELECT 1 FROM promoted)
		)
		SELECT ` + columns + ` FROM promoted ORDER BY created_at, id`
	var promoted []Registration
	if err := sqlx.SelectContext(ctx, tx, &promoted, query, eventID, skip); err != nil {
		return nil, fmt.Errorf("registration: fill free seats: %w", err)
	}
	for _, p := range promoted {
		if err := outbox.Enqueue(ctx, tx, outbox.KindPromoted, p.ID); err != nil {
			return nil, err
		}
		if err := reminder.Schedule(ctx, tx, p.ID, now); err != nil {
			return nil, err
		}
	}
	return promoted, nil
}
