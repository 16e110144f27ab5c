package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// The seat lanes (migration 0027): the seats taken of an event with a capacity are counted in
// seatLanes rows of event_seats, each up to its quota, so that a rush takes seats on many rows
// at once instead of queuing on one. The quotas add up to the seats taken plus those left; when
// a lane runs out while others have room, a registration decides under the event's lock and
// spreads the seats left over the lanes again (spreadSeats). An event without a capacity has
// no lanes, and its registrations never queue at all.

// seatLanes is how many lanes an event's seats are counted in: more than the clients a rush
// brings at once on this kind of machine, so that a lane is rarely taken when one is wanted.
const seatLanes = 16

// lockEvent takes the event's seat lock. Changes that free seats or move people between the
// waitlist and the seats lock the event first, then its lanes and the registrations, always in
// this order, so that they queue instead of deadlocking. The lock is FOR NO KEY UPDATE: it
// leaves alone the key-share locks that new registrations hold through their foreign key, so
// those never wait for it nor it for them.
func lockEvent(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID); err != nil {
		return fmt.Errorf("registration: lock event: %w", err)
	}
	return nil
}

// holdSeat gives a registration that becomes confirmed its seat. It is the last statement of its
// transaction, after every other write, because the lane it takes stays locked from here to the
// commit. It reports false when no lane had room, or the event changed meanwhile: the caller
// then decides with seatUnderLock. A lane it waited for and found full may stay locked; the
// savepoint lets go of it, so that it never holds a lane while waiting for the event's lock,
// which whoever spreads the seats holds while waiting for every lane.
func holdSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT hold_seat`); err != nil {
		return false, fmt.Errorf("registration: hold seat: %w", err)
	}
	query := `WITH ` + keyedEvent + `, ` + seatEntries("", "true") + `
		SELECT EXISTS (SELECT 1 FROM unlimited) OR EXISTS (SELECT 1 FROM counted)`
	var ok bool
	if err := sqlx.GetContext(ctx, tx, &ok, query, eventID); err != nil {
		return false, fmt.Errorf("registration: hold seat: %w", err)
	}
	if !ok {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT hold_seat`); err != nil {
			return false, fmt.Errorf("registration: hold seat: %w", err)
		}
	}
	return ok, nil
}

// keyedEvent is the WITH entry that key-shares event $1 before anything else, as the
// registration's foreign key would at the end of the statement: the event first, then a lane,
// the order every change of seats takes, so that a registration never holds a lane while it
// waits for the event. It also reads the capacity as it is now.
const keyedEvent = `keyed AS (
		SELECT id, capacity FROM events WHERE id = $1 FOR KEY SHARE
	)`

// seatEntries are the WITH entries that take a seat of event $1, for holdSeat and for a
// registration made in one statement, after keyedEvent (which the caller puts first): unlimited is the event when it has no
// capacity, counted a seat taken in a lane with room (one nobody holds, or else one to wait
// for); a seat was taken when either has a row. after names a relation the seat must wait for,
// joined in so that it is read first; when is a further condition ("true" for none).
func seatEntries(after, when string) string {
	from := "keyed"
	if after != "" {
		from += ", " + after
	}
	return `unlimited AS (
			SELECT id FROM ` + from + ` WHERE ` + when + ` AND capacity IS NULL
		), counted AS (
			UPDATE event_seats s SET taken = s.taken + 1 FROM ` + from + `
			WHERE ` + when + ` AND keyed.capacity IS NOT NULL AND s.event_id = $1 AND s.taken < s.quota
				AND s.lane = COALESCE(
					(SELECT lane FROM event_seats WHERE event_id = $1 AND taken < quota
						ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED),
					(SELECT lane FROM event_seats WHERE event_id = $1 AND taken < quota
						ORDER BY random() LIMIT 1 FOR UPDATE))
			RETURNING s.event_id
		)`
}

// seatUnderLock decides a seat with the event locked, for a registration holdSeat found no seat
// for. Holding the lock, it sees every seat freed before and every later change of seats waits
// for it, so a person put on the waitlist here is in line when the next seat frees. waitlist
// tells whether the event has a waitlist, as it is now. self is the registration that wants the
// seat if this transaction has marked it confirmed already, else 0.
func seatUnderLock(ctx context.Context, tx *sqlx.Tx, eventID, self int64) (seat, waitlist bool, err error) {
	var e struct {
		Capacity *int `db:"capacity"`
		Waitlist bool `db:"waitlist"`
	}
	err = sqlx.GetContext(ctx, tx, &e, `SELECT capacity, waitlist FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID)
	if err != nil {
		return false, false, fmt.Errorf("registration: seat: %w", err)
	}
	if e.Capacity == nil {
		return true, e.Waitlist, nil
	}
	seat, err = spreadSeats(ctx, tx, eventID, 1, self)
	return seat, e.Waitlist, err
}

// takeSeat counts one more confirmed registration if the event has a seat left; the caller
// holds the event's lock.
func takeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	seat, _, err := seatUnderLock(ctx, tx, eventID, 0)
	return seat, err
}

// freeSeat gives a confirmed registration's seat back; the caller holds the event's lock.
func freeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	query := `UPDATE event_seats SET taken = taken - 1, quota = quota - 1
		WHERE event_id = $1 AND lane = (
			SELECT lane FROM event_seats WHERE event_id = $1 AND taken > 0 ORDER BY lane LIMIT 1 FOR UPDATE)`
	if _, err := tx.ExecContext(ctx, query, eventID); err != nil {
		return fmt.Errorf("registration: free seat: %w", err)
	}
	_, err := spreadSeats(ctx, tx, eventID, 0, 0)
	return err
}

// countSeats counts an event's seats afresh when its capacity changed: it makes the lanes of an
// event that gets a capacity, drops those of one that loses it, and spreads the seats left. The
// caller holds the event's lock.
func countSeats(ctx context.Context, tx sqlx.ExtContext, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_seats WHERE event_id = $1
		AND (SELECT capacity FROM events WHERE id = $1) IS NULL`, eventID); err != nil {
		return fmt.Errorf("registration: count seats: %w", err)
	}
	_, err := spreadSeats(ctx, tx, eventID, 0, 0)
	return err
}

// spreadSeats takes n seats of an event with a capacity, if that many are left, and spreads the
// seats left over its lanes again, making the lanes if the event has none yet. It locks every
// lane, so it waits for the registrations that hold one to commit, and counts what they took.
// The caller holds the event's lock. It reports whether the n seats were taken; with n = 0 it
// only spreads. self is a registration this transaction has marked confirmed before its seat
// was counted (else 0): the lanes made here leave it out.
func spreadSeats(ctx context.Context, tx sqlx.ExtContext, eventID int64, n int, self int64) (bool, error) {
	var lanes int
	err := sqlx.GetContext(ctx, tx, &lanes, `SELECT count(*) FROM (
		SELECT 1 FROM event_seats WHERE event_id = $1 FOR UPDATE) locked`, eventID)
	if err != nil {
		return false, fmt.Errorf("registration: lock seat lanes: %w", err)
	}
	if lanes == 0 {
		// The first count: every confirmed registration's seat goes into lane 0.
		query := `INSERT INTO event_seats (event_id, lane, taken, quota)
			SELECT e.id, l, CASE WHEN l = 0 THEN c.n ELSE 0 END, CASE WHEN l = 0 THEN c.n ELSE 0 END
			FROM events e, generate_series(0, $2 - 1) l,
				(SELECT count(*)::int AS n FROM registrations WHERE event_id = $1 AND status = 'confirmed' AND id <> $3) c
			WHERE e.id = $1 AND e.capacity IS NOT NULL`
		if _, err := tx.ExecContext(ctx, query, eventID, seatLanes, self); err != nil {
			return false, fmt.Errorf("registration: make seat lanes: %w", err)
		}
	}
	// The seats left after the n are shared evenly; lane 0 also counts the n taken. A capacity
	// below the seats taken leaves every quota at what its lane has taken.
	query := `WITH lanes AS (
			SELECT lane, taken, sum(taken) OVER () AS all_taken, count(*) OVER () AS lanes
			FROM event_seats WHERE event_id = $1
		), left_over AS (
			SELECT greatest(e.capacity - l.all_taken - $2, 0) AS seats, e.capacity - l.all_taken >= $2 AS enough
			FROM events e, (SELECT all_taken FROM lanes LIMIT 1) l WHERE e.id = $1 AND e.capacity IS NOT NULL
		), spread AS (
			UPDATE event_seats s
			SET taken = s.taken + CASE WHEN s.lane = 0 THEN $2 ELSE 0 END,
				quota = s.taken + CASE WHEN s.lane = 0 THEN $2 ELSE 0 END
					+ o.seats / l.lanes + CASE WHEN s.lane < o.seats % l.lanes THEN 1 ELSE 0 END
			FROM lanes l, left_over o
			WHERE s.event_id = $1 AND s.lane = l.lane AND o.enough
			RETURNING s.lane
		)
		SELECT EXISTS (SELECT 1 FROM spread)`
	var taken bool
	if err := sqlx.GetContext(ctx, tx, &taken, query, eventID, n); err != nil {
		return false, fmt.Errorf("registration: spread seats: %w", err)
	}
	return taken, nil
}

// fillFreeSeats gives every free seat of a published event to whoever has waited longest, in
// the transaction that freed it, so that no seat stays empty while people wait: after a
// cancellation, an erasure, an organizer's move, or a raised capacity. skip (a registration id,
// or 0) is not promoted: the person an organizer has just put on the waitlist. Each promoted
// person is told and gets their reminders. The caller holds the event's lock.
func fillFreeSeats(ctx context.Context, tx sqlx.ExtContext, eventID, skip int64, now time.Time) ([]Registration, error) {
	// The lanes, locked and spread first: the seats taken are then all counted, also those of
	// registrations that held a lane until now.
	if _, err := spreadSeats(ctx, tx, eventID, 0, 0); err != nil {
		return nil, err
	}
	// One statement: the free seats, the people who get them (locked, longest waiting first)
	// and their seats.
	query := `WITH free AS (
			SELECT CASE WHEN capacity IS NULL THEN NULL
				ELSE greatest(capacity - (SELECT COALESCE(sum(taken), 0) FROM event_seats WHERE event_id = $1), 0) END AS seats
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
		)
		SELECT ` + columns + ` FROM promoted ORDER BY created_at, id`
	var promoted []Registration
	if err := sqlx.SelectContext(ctx, tx, &promoted, query, eventID, skip); err != nil {
		return nil, fmt.Errorf("registration: fill free seats: %w", err)
	}
	if len(promoted) > 0 {
		if _, err := spreadSeats(ctx, tx, eventID, len(promoted), 0); err != nil {
			return nil, err
		}
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
