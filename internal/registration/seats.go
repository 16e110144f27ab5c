package registration

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// The seat count: an event with a capacity counts its seats in seatShards rows of event_seats
// (migration 0028), each with the seats taken through it and its share of the seats still free.
// A registration takes a seat from whichever row no other registration holds at that moment, so
// a rush of registrations for one event does not take turns on one row: measured with pgbench on
// two cores at 8 connections, Podium's registration statement ran a third faster than with one
// counter on the event's row, where every registration waited for the one before it to commit.
// Everything else that changes seats holds the event's lock and then every row (seatsOf), and
// writes the count back whole (spreadSeats). An event without a capacity has no rows and keeps no
// count, so its registrations never queue anywhere.
const seatShards = 16

// lockEvent takes the event's seat lock. Changes that free seats or move people between the
// waitlist and the seats lock the event first, then its seat rows and the registrations, always
// in this order, so that they queue instead of deadlocking. The lock is FOR NO KEY UPDATE: it
// leaves alone the key-share locks that new registrations hold through their foreign key, so
// those never wait for it nor it for them. (An organizer's edit of the event locks it FOR
// UPDATE, which waits for the registrations on their way and makes the next ones check the new
// version.)
func lockEvent(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, eventID); err != nil {
		return fmt.Errorf("registration: lock event: %w", err)
	}
	return nil
}

// holdSeat gives a registration that becomes confirmed its seat, as the last statement of its
// transaction, after every other write, because the seat row stays locked from here to the
// commit. It reports false when no seat row with a free seat was at hand (the event is full,
// or nearly, and every row with seats left is held by someone else right now): the caller then
// decides with seatUnderLock. A seat row found full on a second look (taken by a registration
// that committed while this statement ran) stays locked all the same; the savepoint lets go of
// it, so that this transaction never holds a seat row while it waits for the event's lock,
// which whoever counts the seats holds while waiting for every row.
func holdSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) (bool, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT hold_seat`); err != nil {
		return false, fmt.Errorf("registration: hold seat: %w", err)
	}
	query := `WITH ` + seatEntries("", "true") + `
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

// seatEntries are the WITH entries that take a seat of event $1, for holdSeat and for a
// registration made in one statement. checked key-shares the event (as the registration's
// foreign key does anyway, and before the seat, so that an organizer's edit in progress is waited
// for and not the other way round); unlimited has a row for an event without a capacity;
// counted takes a free seat from a seat row nobody else holds, starting the search at a
// different row per connection. A seat was taken when unlimited or counted has a row. after
// names a relation the seat must wait for, joined in so that it is read first ("" for none);
// when is a further condition on the event ("true" for none).
func seatEntries(after, when string) string {
	also := ""
	if after != "" {
		also = ", " + after
	}
	return `checked AS (
			SELECT e.id, e.capacity IS NULL AS unlimited FROM events e` + also + `
			WHERE ` + when + ` AND e.id = $1
			FOR KEY SHARE OF e
		), unlimited AS (
			SELECT id FROM checked WHERE unlimited
		), counted AS (
			UPDATE event_seats s SET taken = s.taken + 1, free = s.free - 1
			WHERE s.event_id = $1 AND s.shard = (
				SELECT shard FROM event_seats
				WHERE event_id = $1 AND free > 0 AND EXISTS (SELECT 1 FROM checked WHERE NOT unlimited)
				ORDER BY (shard + pg_backend_pid()) % ` + strconv.Itoa(seatShards) + `
				LIMIT 1
				FOR UPDATE SKIP LOCKED)
			RETURNING s.event_id AS id
		)`
}

// seatUnderLock decides a seat for registration asking with the event and its seat rows locked,
// for a registration holdSeat found no seat for. Holding the locks, it sees every seat freed
// before and every later change of seats waits for it, so a person put on the waitlist here is
// in line when the next seat frees. waitlist tells whether the event has a waitlist, as it is
// now.
func seatUnderLock(ctx context.Context, tx *sqlx.Tx, eventID, asking int64) (seat, waitlist bool, err error) {
	if err := lockEvent(ctx, tx, eventID); err != nil {
		return false, false, err
	}
	s, err := seatsOf(ctx, tx, eventID, asking)
	switch {
	case err != nil:
		return false, false, err
	case s.Capacity == nil:
		return true, s.Waitlist, nil
	case s.Taken >= *s.Capacity:
		return false, s.Waitlist, nil
	}
	return true, s.Waitlist, spreadSeats(ctx, tx, eventID, s.Taken+1)
}

// takeSeat gives registration asking a seat if the event has one left; the caller holds the
// event's lock.
func takeSeat(ctx context.Context, tx *sqlx.Tx, eventID, asking int64) (bool, error) {
	seat, _, err := seatUnderLock(ctx, tx, eventID, asking)
	return seat, err
}

// freeSeat gives a confirmed registration's seat back; the caller holds the event's lock.
func freeSeat(ctx context.Context, tx *sqlx.Tx, eventID int64) error {
	s, err := seatsOf(ctx, tx, eventID, 0)
	if err != nil || s.Capacity == nil {
		return err
	}
	return spreadSeats(ctx, tx, eventID, s.Taken-1)
}

// seatCount is an event's capacity and seats as seatsOf reads them.
type seatCount struct {
	Capacity  *int `db:"capacity"` // nil: no capacity, and no count
	Taken     int  `db:"taken"`
	Rows      int  `db:"seat_rows"`
	Waitlist  bool `db:"waitlist"`
	Published bool `db:"published"`
}

// seatsOf reads the event's capacity and counts its seats taken, locking every seat row, so that
// the registrations holding one commit first and no new one takes a seat until this transaction
// ends. The caller holds the event's lock, which comes first. An event with a capacity gets its
// seat rows here the first time, whichever way it got the capacity (created with one, or given
// one later); until then every registration of it comes here, under the event's lock, so the
// seats counted are all there are, except registration asking (0: none), which may be marked
// confirmed already in this transaction but is asking for its seat, not holding one.
func seatsOf(ctx context.Context, tx sqlx.ExtContext, eventID, asking int64) (seatCount, error) {
	query := `SELECT e.capacity, e.waitlist, e.status = 'published' AS published,
			(SELECT count(*) FROM event_seats WHERE event_id = e.id) AS seat_rows,
			(SELECT coalesce(sum(taken), 0) FROM (
				SELECT taken FROM event_seats WHERE event_id = e.id ORDER BY shard FOR UPDATE) s) AS taken
		FROM events e WHERE e.id = $1`
	var s seatCount
	if err := sqlx.GetContext(ctx, tx, &s, query, eventID); err != nil {
		return s, fmt.Errorf("registration: count seats: %w", err)
	}
	if s.Capacity == nil || s.Rows > 0 {
		return s, nil
	}
	query = `SELECT count(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed' AND id <> $2`
	if err := sqlx.GetContext(ctx, tx, &s.Taken, query, eventID, asking); err != nil {
		return s, fmt.Errorf("registration: count seats: %w", err)
	}
	query = `INSERT INTO event_seats (event_id, shard) SELECT $1, generate_series(0, $2 - 1)`
	if _, err := tx.ExecContext(ctx, query, eventID, seatShards); err != nil {
		return s, fmt.Errorf("registration: count seats: %w", err)
	}
	s.Rows = seatShards
	return s, spreadSeats(ctx, tx, eventID, s.Taken)
}

// spreadSeats writes the count of an event with a capacity back into its seat rows, which the
// caller holds (seatsOf): taken seats all in row 0, the free ones spread evenly over the rows.
func spreadSeats(ctx context.Context, tx sqlx.ExecerContext, eventID int64, taken int) error {
	query := `UPDATE event_seats s SET taken = CASE WHEN s.shard = 0 THEN $2 ELSE 0 END,
			free = f.seats / $3 + CASE WHEN s.shard < f.seats % $3 THEN 1 ELSE 0 END
		FROM (SELECT greatest(capacity - $2, 0) AS seats FROM events WHERE id = $1 AND capacity IS NOT NULL) f
		WHERE s.event_id = $1`
	if _, err := tx.ExecContext(ctx, query, eventID, taken, seatShards); err != nil {
		return fmt.Errorf("registration: spread seats: %w", err)
	}
	return nil
}

// dropSeats forgets the count of an event whose capacity was lifted or set; the caller holds the
// event FOR UPDATE, so no registration of it is between its seat and its commit. seatsOf counts
// the seats afresh when the event next has a capacity.
func dropSeats(ctx context.Context, tx sqlx.ExecerContext, eventID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_seats WHERE event_id = $1`, eventID); err != nil {
		return fmt.Errorf("registration: drop seats: %w", err)
	}
	return nil
}

// fillFreeSeats gives every free seat of a published event to whoever has waited longest, in
// the transaction that freed it, so that no seat stays empty while people wait: after a
// cancellation, an erasure, an organizer's move, or a changed capacity (whose free seats it
// spreads anew over the seat rows). skip (a registration id, or 0) is not promoted: the person an
// organizer has just put on the waitlist. Each promoted person is told and gets their
// reminders. The caller holds the event's lock.
func fillFreeSeats(ctx context.Context, tx sqlx.ExtContext, eventID, skip int64, now time.Time) ([]Registration, error) {
	s, err := seatsOf(ctx, tx, eventID, 0)
	if err != nil {
		return nil, err
	}
	var free *int // nil: no limit
	if s.Capacity != nil {
		seats := max(*s.Capacity-s.Taken, 0)
		free = &seats
	}
	var promoted []Registration
	if s.Published {
		query := `WITH chosen AS (
				SELECT id FROM registrations
				WHERE event_id = $1 AND status = 'waitlisted' AND id <> $2 AND erased_at IS NULL
				ORDER BY created_at, id
				LIMIT $4
				FOR UPDATE
			), promoted AS (
				UPDATE registrations SET status = 'confirmed', confirmed_at = $3, updated_at = now()
				WHERE id IN (SELECT id FROM chosen)
				RETURNING ` + columns + `
			)
			SELECT ` + columns + ` FROM promoted ORDER BY created_at, id`
		if err := sqlx.SelectContext(ctx, tx, &promoted, query, eventID, skip, now, free); err != nil {
			return nil, fmt.Errorf("registration: fill free seats: %w", err)
		}
	}
	if s.Capacity != nil {
		if err := spreadSeats(ctx, tx, eventID, s.Taken+len(promoted)); err != nil {
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
