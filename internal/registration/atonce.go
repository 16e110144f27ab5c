package registration

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// registerAtOnce is a registration as one statement, the way nearly every registration goes: a
// pending one with its confirmation mail, or a confirmed one with its mail, reminders and seat.
// One round trip, in its own implicit transaction. The seat comes last in it: a seat row (of an
// event with a capacity) is locked only from there to the end of the statement, and the event's
// row is only key-shared, as the registration's foreign key does anyway.
//
// For a confirmed registration that finds no seat (the event is full, or nearly and every seat
// row with seats left is held right now, or its capacity changed while this ran) the statement
// undoes itself and registerAtOnce returns nil: Register then decides under the event's lock,
// with the waitlist. So it does when the event is no longer at the version the registration was
// checked against ($14), which may have been read a moment ago (event.Cache).
func registerAtOnce(ctx context.Context, pool *sqlx.DB, row []any) (*Registration, error) {
	var r Registration
	err := db.Retry(func() error {
		return db.Get(ctx, pool, &r, atOnce, row...)
	})
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == noSeatLeft {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// noSeatLeft is the SQLSTATE of no_seat_left() (migration 0016).
const noSeatLeft = "PS001"

// atOnce: the registration and its messages first; written makes the seat's entries wait for
// them, since checked joins it. The seat is taken by whichever of unlimited and counted applies,
// and only while the event is at the version the registration was checked against (checked
// key-shares the row as it is at that moment: an organizer's edit in progress holds it FOR
// UPDATE, so checked waits for it and then reads the new version; a pending registration, which
// takes no seat, checks the version on its own). Whatever changed meanwhile, a capacity set or
// lifted too, makes checked find nothing: no seat, decided again under the lock. CASE, unlike OR,
// evaluates in order, so no_seat_left() runs only when no seat was found.
var atOnce = `WITH registered AS (
		INSERT INTO registrations (event_id, status, name, email, organization, municipality,
			role, answers, language, consent_at, token_hash, token_salt, consent_version, confirmed_at)
		VALUES ($1, $2::text, $3, $4, $5, $6, $7, $8::jsonb, $9, $10,
			$11, $12, $13, CASE WHEN $2::text = 'confirmed' THEN $10::timestamptz END)
		RETURNING *
	), confirm_mail AS (
		` + outbox.EnqueueFrom(outbox.KindConfirm, `(SELECT id AS registration_id FROM registered WHERE status = 'pending')`) + `
		RETURNING registration_id
	), seat_mail AS (
		` + outbox.EnqueueFrom(outbox.KindRegistered, `(SELECT id AS registration_id FROM registered WHERE status = 'confirmed')`) + `
		RETURNING registration_id
	), reminders AS (
		` + reminder.ScheduleFrom("registered", "$10::timestamptz") + `
		RETURNING registration_id
	), written AS (
		SELECT (SELECT count(*) FROM confirm_mail) + (SELECT count(*) FROM seat_mail) + (SELECT count(*) FROM reminders) AS messages
	), ` + seatEntries("written", "$2::text = 'confirmed' AND e.version = $14") + `
	SELECT ` + columns + ` FROM registered
	WHERE CASE WHEN EXISTS (SELECT 1 FROM unlimited) OR EXISTS (SELECT 1 FROM counted)
			OR ($2::text = 'pending' AND EXISTS (SELECT 1 FROM events WHERE id = $1 AND version = $14))
		THEN true ELSE no_seat_left() END`
