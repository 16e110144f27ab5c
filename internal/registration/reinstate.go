package registration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// Conflicts of an organizer reinstating a cancelled registration.
var (
	errNotCancelled       = &domain.ConflictError{Code: "reinstate_not_cancelled", Field: "status", Message: "only a cancelled registration can be reinstated"}
	errReinstateFull      = &domain.ConflictError{Code: "reinstate_full", Field: "status", Message: "the event is fully booked and has no waitlist; raise its capacity first"}
	errReinstateDuplicate = &domain.ConflictError{Code: "reinstate_duplicate", Field: "email", Message: "this email address has registered for the event again meanwhile"}
	errReinstateCancelled = &domain.ConflictError{Code: "reinstate_event_cancelled", Message: "the event has been cancelled"}
)

// Reinstate undoes the cancellation of a registration, for an organizer: the person gets a seat
// if one is free, else a place at the end of the waitlist; an event without a waitlist refuses
// when it is full. The seat is decided under the event's lock like every other seat, so a
// reinstatement and a new registration racing for the last seat never both get it. The person
// gets the mail of their new status, with the invite for a seat, and their reminders. Their
// address is not confirmed again: the organizer vouches for the person.
func Reinstate(ctx context.Context, pool *sqlx.DB, e *event.Event, id int64, now time.Time) (*Registration, error) {
	var out *Registration
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		if err := lockEvent(ctx, tx, e.ID); err != nil {
			return err
		}
		current, err := event.ByID(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		var r Registration
		query := `SELECT ` + columns + ` FROM registrations WHERE id = $1 AND event_id = $2 AND erased_at IS NULL FOR UPDATE`
		if err := sqlx.GetContext(ctx, tx, &r, query, id, e.ID); errors.Is(err, sql.ErrNoRows) {
			return domain.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("registration: fetch: %w", err)
		}
		switch {
		case r.Status != StatusCancelled:
			return errNotCancelled
		case current.Status == event.StatusCancelled:
			return errReinstateCancelled
		}
		seat, waitlist, err := seatUnderLock(ctx, tx, e.ID, r.ID)
		if err != nil {
			return err
		}
		to := StatusConfirmed
		if !seat {
			if !waitlist {
				return errReinstateFull
			}
			to = StatusWaitlisted
		}
		if out, err = reinstateAs(ctx, tx, &r, to, now); err != nil {
			return err
		}
		// The mails of a status are queued once per registration; a reinstatement is a new
		// occasion for them, one per cancellation it undoes.
		var cancelledAt int64
		if r.CancelledAt != nil {
			cancelledAt = r.CancelledAt.UnixMicro()
		}
		occasion := fmt.Sprintf(":reinstated:%d", cancelledAt)
		one := outbox.Query{SQL: `SELECT $1::bigint AS registration_id`, Args: []any{r.ID}}
		if err := outbox.EnqueueEach(ctx, tx, statusMail[to], occasion, one); err != nil {
			return err
		}
		if to == StatusConfirmed {
			return reminder.Schedule(ctx, tx, r.ID, now)
		}
		return nil
	})
	if isUniqueViolation(err) {
		return nil, errReinstateDuplicate
	}
	return out, err
}

// reinstateAs gives a cancelled registration its new status. The registration keeps the time it
// was made, which the waitlist's order follows: it is restored, not made anew.
func reinstateAs(ctx context.Context, tx *sqlx.Tx, r *Registration, status string, now time.Time) (*Registration, error) {
	query := `UPDATE registrations SET status = $2, cancelled_at = NULL, updated_at = now(),
			confirmed_at = CASE WHEN $2 = 'confirmed' THEN $3::timestamptz ELSE NULL END
		WHERE id = $1
		RETURNING ` + columns
	var out Registration
	if err := sqlx.GetContext(ctx, tx, &out, query, r.ID, status, now); err != nil {
		return nil, fmt.Errorf("registration: reinstate: %w", err)
	}
	return &out, nil
}
