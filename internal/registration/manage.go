package registration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// Conflicts a person can run into when registering, each with a message they can act on.
var (
	errCancelled  = &domain.ConflictError{Code: "cancelled", Message: "the event has been cancelled"}
	errClosed     = &domain.ConflictError{Code: "closed", Message: "registration for this event is closed"}
	errNotYetOpen = &domain.ConflictError{Code: "not_yet_open", Message: "registration for this event has not opened yet"}
	errFull       = &domain.ConflictError{Code: "full", Message: "the event is fully booked and has no waitlist"}
	errDuplicate  = &domain.ConflictError{Code: "duplicate", Field: "email", Message: "this email address is registered for the event already"}
	errExpired    = &domain.ConflictError{Code: "expired", Message: "the confirmation link has expired; please register again"}
)

// ErrEventChanged says that the event changed after the copy a registration was checked against
// was read: the caller reads it again and registers with that.
var ErrEventChanged = &domain.ConflictError{Code: "event_changed", Message: "the event changed while you registered; please register again"}

// statusMail is the message that tells a person their registration's new status.
var statusMail = map[string]string{
	StatusPending:    outbox.KindConfirm,
	StatusConfirmed:  outbox.KindRegistered,
	StatusWaitlisted: outbox.KindWaitlisted,
	StatusCancelled:  outbox.KindCancelled,
}

// Register records a registration and returns it with its manage token, which the caller
// mails and never stores. With double opt-in the registration waits for confirmation and takes
// no seat yet; otherwise it takes a seat, or a place on the waitlist when the event is full.
// e may have been read a moment ago: when the stored event is at another version, nothing is
// recorded and the error is ErrEventChanged.
func Register(ctx context.Context, pool *sqlx.DB, key auth.ManageKey, e *event.Event, in Input, now time.Time) (*Registration, string, error) {
	answers, err := in.validate(e)
	if err != nil {
		return nil, "", err
	}
	if err := checkOpen(e, now); err != nil {
		return nil, "", err
	}
	salt, err := auth.NewManageSalt()
	if err != nil {
		return nil, "", fmt.Errorf("registration: token: %w", err)
	}
	token := key.Token(salt)
	// Without double opt-in the registration counts on a seat.
	status := StatusPending
	if !e.DoubleOptIn {
		status = StatusConfirmed
	}
	row := []any{e.ID, status, in.Name, in.Email, in.Organization, in.Municipality, in.Role,
		string(answers), in.Language, now, auth.HashManageToken(token), salt, in.consentVersion()}
	r, err := registerAtOnce(ctx, pool, append(row, e.Version))
	switch {
	case err != nil || r != nil:
	case status == StatusPending:
		err = ErrEventChanged // a pending registration needs no seat: only the version stopped it
	default:
		r, err = registerUnderLock(ctx, pool, row, e.Version, now)
	}
	if isUniqueViolation(err) {
		return nil, "", errDuplicate
	}
	if err != nil {
		return nil, "", err
	}
	return r, token, nil
}

// registerUnderLock records a confirmed registration that registerAtOnce found no seat for: it
// is decided under the event's lock, and goes on the waitlist if the event has one. An event no
// longer at version is ErrEventChanged.
func registerUnderLock(ctx context.Context, pool *sqlx.DB, row []any, version int64, now time.Time) (*Registration, error) {
	var r Registration
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		var current int64
		if err := tx.GetContext(ctx, &current, `SELECT version FROM events WHERE id = $1`, row[0]); err != nil {
			return fmt.Errorf("registration: event version: %w", err)
		}
		if current != version {
			return ErrEventChanged
		}
		query := `INSERT INTO registrations (event_id, status, name, email, organization, municipality,
				role, answers, language, consent_at, token_hash, token_salt, consent_version, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $10)
			RETURNING ` + columns
		if err := sqlx.GetContext(ctx, tx, &r, query, row...); err != nil {
			return err
		}
		out, err := confirmLast(ctx, tx, r.EventID, &r, now)
		if err == nil {
			r = *out
		}
		return err
	})
	return &r, err
}

// confirmLast finishes the confirmation of a registration already marked confirmed in this
// transaction: its reminders and its mail, then, as the last statement, its seat. When no seat
// is left it goes on the waitlist instead, or, without a waitlist, the transaction fails with
// errFull.
func confirmLast(ctx context.Context, tx *sqlx.Tx, eventID int64, r *Registration, now time.Time) (*Registration, error) {
	if err := reminder.Schedule(ctx, tx, r.ID, now); err != nil {
		return nil, err
	}
	if err := outbox.Enqueue(ctx, tx, outbox.KindRegistered, r.ID); err != nil {
		return nil, err
	}
	seat, err := holdSeat(ctx, tx, eventID)
	if err != nil || seat {
		return r, err
	}
	seat, waitlist, err := seatUnderLock(ctx, tx, eventID, r.ID)
	switch {
	case err != nil:
		return nil, err
	case seat:
		return r, nil
	case !waitlist:
		return nil, errFull
	}
	return waitlistInstead(ctx, tx, r.ID)
}

// waitlistInstead puts a registration that counted on a seat on the waitlist: no reminders, and
// the waitlist's mail instead of the seat's. The caller holds the event's lock.
func waitlistInstead(ctx context.Context, tx *sqlx.Tx, id int64) (*Registration, error) {
	query := `UPDATE registrations SET status = 'waitlisted', confirmed_at = NULL, updated_at = now()
		WHERE id = $1 RETURNING ` + columns
	var r Registration
	if err := sqlx.GetContext(ctx, tx, &r, query, id); err != nil {
		return nil, fmt.Errorf("registration: waitlist: %w", err)
	}
	if err := reminder.Drop(ctx, tx, id); err != nil {
		return nil, err
	}
	if err := outbox.WithdrawOne(ctx, tx, outbox.KindRegistered, id); err != nil {
		return nil, err
	}
	return &r, outbox.Enqueue(ctx, tx, outbox.KindWaitlisted, id)
}

func checkOpen(e *event.Event, now time.Time) error {
	switch {
	case e.Status == event.StatusCancelled:
		return errCancelled
	case e.RegistrationNotYetOpen(now):
		return errNotYetOpen
	case !e.RegistrationOpen(now):
		return errClosed
	}
	return nil
}

// ByToken returns the registration a manage token belongs to.
func ByToken(ctx context.Context, q sqlx.QueryerContext, token string) (*Registration, error) {
	return byToken(ctx, q, token, false)
}

// Confirm confirms the email address of a pending registration: it takes a seat, or a place on
// the waitlist if the event filled up meanwhile. Confirming again changes nothing. A registration
// made before expiredBefore can no longer be confirmed.
func Confirm(ctx context.Context, pool *sqlx.DB, token string, now, expiredBefore time.Time) (*Registration, error) {
	eventID, err := eventIDByToken(ctx, pool, token)
	if err != nil {
		return nil, err
	}
	var out *Registration
	err = db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		// The registration first; the event's seat last (confirmLast), as for a registration.
		r, err := byToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		e, err := event.ByID(ctx, tx, eventID)
		if err != nil {
			return err
		}
		out = r
		if r.Status != StatusPending {
			return nil
		}
		if r.CreatedAt.Before(expiredBefore) {
			return errExpired
		}
		if e.Status == event.StatusCancelled {
			return errCancelled
		}
		if r, err = setStatus(ctx, tx, r.ID, StatusConfirmed, now); err != nil {
			return err
		}
		out, err = confirmLast(ctx, tx, e.ID, r, now)
		return err
	})
	return out, err
}

// Cancel cancels a registration. A freed seat goes to the first person on the waitlist, who is
// returned as promoted (nil if nobody waited). Cancelling again changes nothing.
func Cancel(ctx context.Context, pool *sqlx.DB, token string, now time.Time) (cancelled, promoted *Registration, err error) {
	cancelled, err = change(ctx, pool, token, func(tx *sqlx.Tx, e *event.Event, r *Registration) (*Registration, error) {
		out, p, err := cancel(ctx, tx, e, r, now)
		promoted = p
		return out, err
	})
	if err != nil {
		return nil, nil, err
	}
	return cancelled, promoted, nil
}

// cancel cancels a locked registration unless it is cancelled already, and returns the first
// person who got the seat it freed.
func cancel(ctx context.Context, tx *sqlx.Tx, e *event.Event, r *Registration, now time.Time) (out, promoted *Registration, err error) {
	if r.Status == StatusCancelled {
		return r, nil, nil
	}
	out, all, err := move(ctx, tx, e, r, StatusCancelled, now)
	if err != nil || len(all) == 0 {
		return out, nil, err
	}
	return out, &all[0], nil
}

// Erase cancels the registration (its seat goes to the next in line) and deletes the attendee's
// personal data with every copy of it, in one transaction. The token stops working; only an
// anonymous, cancelled row remains for the counts.
func Erase(ctx context.Context, pool *sqlx.DB, token string, now time.Time) (promoted *Registration, err error) {
	_, err = change(ctx, pool, token, func(tx *sqlx.Tx, e *event.Event, r *Registration) (*Registration, error) {
		out, p, err := cancel(ctx, tx, e, r, now)
		if err != nil {
			return nil, err
		}
		promoted = p
		return out, erase(ctx, tx, r.ID)
	})
	if err != nil {
		return nil, err
	}
	return promoted, nil
}

// ExpirePending cancels registrations still waiting for confirmation that were made before
// before. They never held a seat, so nothing else changes; they stop counting anywhere.
func ExpirePending(ctx context.Context, q sqlx.ExecerContext, before time.Time) (int64, error) {
	query := `UPDATE registrations SET status = 'cancelled', cancelled_at = now(), updated_at = now()
		WHERE status = 'pending' AND created_at < $1`
	res, err := q.ExecContext(ctx, query, before)
	if err != nil {
		return 0, fmt.Errorf("registration: expire: %w", err)
	}
	return res.RowsAffected()
}

// change runs fn on the token's registration with the event and the registration locked, in
// that order, in one transaction.
func change(ctx context.Context, pool *sqlx.DB, token string,
	fn func(tx *sqlx.Tx, e *event.Event, r *Registration) (*Registration, error)) (*Registration, error) {
	eventID, err := eventIDByToken(ctx, pool, token)
	if err != nil {
		return nil, err
	}
	var out *Registration
	err = db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		if err := lockEvent(ctx, tx, eventID); err != nil {
			return err
		}
		e, err := event.ByID(ctx, tx, eventID)
		if err != nil {
			return err
		}
		r, err := byToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		out, err = fn(tx, e, r)
		return err
	})
	return out, err
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}
