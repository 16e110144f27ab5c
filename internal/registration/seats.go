package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// The seat counter: events.confirmed_count counts the confirmed registrations of an event that
// has a capacity. An event without one keeps no count, so its registrations never queue on its
// row; when a capacity is set, the count is made afresh (countSeats).

// lockEvent takes the event's seat lock. Changes that free seats or move people between the
// waitlist and the seats lock the event first and the registrations after, always in this
// order, so that they queue instead of deadlocking. The lock is FOR NO KEY UPDATE, the one an
// update of the seat counter takes: it leaves alone the key-share locks that new
// registrations hold through their foreign key, so those never wait for it nor it for them.
func lockEvent(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID); err != nil {
		return fmt.Errorf("registration: lock event: %w", err)
	}
	return nil
}

// holdSeat gives a registration that becomes confirmed its seat. It is the last statement of its
// transaction, after every other write, because the event's row stays locked from here to the
// commit: a registration rush then queues on the event for one statement and the commit, not
// for the whole registration. An event without a capacity is not locked at all, only
// key-shared as every registration's foreign key does anyway, which also notices a capacity
// set meanwhile. It reports false when no seat was left, or the event changed meanwhile:
// the caller then decides with seatUnderLock.
func holdSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	query := `WITH ` + seatEntries("", "true") + `
		SELECT EXISTS (SELECT 1 FROM unlimited) OR EXISTS (SELECT 1 FROM counted)`
	var ok bool
	if err := sqlx.GetContext(ctx, tx, &ok, query, eventID); err != nil {
		return false, fmt.Errorf("registration: hold seat: %w", err)
	}
	return ok, nil
}

// seatEntries are the WITH entries that take a seat of event $1, for holdSeat and for a
// registration made in one statement: unlimited key-shares an event without a capacity, counted
// counts one more seat of an event that has one left; a seat was taken when either has a row.
// after names a relation the seat must wait for, joined in so that it is read first ("" for
// none); when is a further condition ("true" for none).
func seatEntries(after, when string) string {
	also, from := "", ""
	if after != "" {
		also, from = ", "+after, " FROM "+after
	}
	return `unlimited AS (
			SELECT e.id FROM events e` + also + `
			WHERE ` + when + ` AND e.id = $1 AND e.capacity IS NULL
			FOR KEY SHARE OF e
		), counted AS (
			UPDATE events e SET confirmed_count = e.confirmed_count + 1` + from + `
			WHERE ` + when + ` AND e.id = $1 AND e.capacity IS NOT NULL AND e.confirmed_count < e.capacity
			RETURNING e.id
		)`
}

// seatUnderLock decides a seat with the event locked, for a registration holdSeat found no seat
// for. Holding the lock, it sees every seat freed before and every later change of seats waits
// for it, so a person put on the waitlist here is in line when the next seat frees. waitlist
// tells whether the event has a waitlist, as it is now.
func seatUnderLock(ctx context.Context, tx *sqlx.Tx, eventID int64) (seat, waitlist bool, err error) {
	var e struct {
		Capacity  *int `db:"capacity"`
		Confirmed int  `db:"confirmed_count"`
		Waitlist  bool `db:"waitlist"`
	}
	err = sqlx.GetContext(ctx, tx, &e, `SELECT capacity, confirmed_count, waitlist FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID)
	if err != nil {
		return false, false, fmt.Errorf("registration: seat: %w", err)
	}
	if e.Capacity == nil {
		return true, e.Waitlist, nil
	}
	if e.Confirmed >= *e.Capacity {
		return false, e.Waitlist, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET confirmed_count = confirmed_count + 1 WHERE id = $1`, eventID)
	if err != nil {
		return false, false, fmt.Errorf("registration: seat: %w", err)
	}
	return true, e.Waitlist, nil
}

// takeSeat counts one more confirmed registration if the event has a seat left; the caller
// holds the event's lock.
func takeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	seat, _, err := seatUnderLock(ctx, tx, eventID)
	return seat, err
}

// freeSeat gives a confirmed registration's seat back; the caller holds the event's lock.
func freeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	query := `UPDATE events SET confirmed_count = confirmed_count - 1 WHERE id = $1 AND capacity IS NOT NULL`
	if _, err := tx.ExecContext(ctx, query, eventID); err != nil {
		return fmt.Errorf("registration: free seat: %w", err)
	}
	return nil
}

// countSeats counts an event's seats afresh, when it gets a capacity after having none; the
// caller holds the event's lock, so no registration of it is between its seat and its commit.
func countSeats(ctx context.Context, tx sqlx.ExecerContext, eventID int64) error {
	query := `UPDATE events SET confirmed_count = (
			SELECT count(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed')
		WHERE id = $1`
	if _, err := tx.ExecContext(ctx, query, eventID); err != nil {
		return fmt.Errorf("registration: count seats: %w", err)
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
			UPDATE registrations SET status = 'confirmed', confirmed_at = $3, updated_at = now()
			WHERE id IN (SELECT id FROM chosen)
			RETURNING ` + columns + `
		), counted AS (
			UPDATE events SET confirmed_count = confirmed_count + (SELECT count(*) FROM promoted)
			WHERE id = $1 AND capacity IS NOT NULL AND EXISTS (SELECT 1 FROM promoted)
		)
		SELECT ` + columns + ` FROM promoted ORDER BY created_at, id`
	var promoted []Registration
	if err := sqlx.SelectContext(ctx, tx, &promoted, query, eventID, skip, now); err != nil {
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
