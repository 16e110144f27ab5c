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

// ListOptions selects and pages an event's registrations for its organizers.
type ListOptions struct {
	Status  string // empty: every status
	Search  string // part of the name, address, organization or municipality, in any case
	AfterID int64  // keyset cursor: only registrations with a larger id
	Limit   int
	// Attended, when set, keeps only the registrations marked (or not marked) attended.
	Attended *bool
}

// List returns the event's registrations in the order they came in.
func List(ctx context.Context, q sqlx.QueryerContext, eventID int64, opt ListOptions) ([]Registration, error) {
	// A filter PostgreSQL cannot even read (NUL, invalid UTF-8) matches no one.
	if !domain.Storable(opt.Status) || !domain.Storable(opt.Search) {
		return []Registration{}, nil
	}
	query := `SELECT ` + columns + ` FROM registrations
		WHERE event_id = $1 AND ($2 = '' OR status = $2) AND id > $3 AND erased_at IS NULL
			AND ($5 = '' OR strpos(lower(name || ' ' || email || ' ' || organization || ' ' || municipality), lower($5)) > 0)
			AND ($6::boolean IS NULL OR attended = $6)
		ORDER BY id LIMIT $4`
	out := []Registration{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, opt.Status, opt.AfterID, opt.Limit, opt.Search, opt.Attended); err != nil {
		return nil, fmt.Errorf("registration: list: %w", err)
	}
	return out, nil
}

// Change is what an organizer changes on a registration; nil fields stay as they are.
type Change struct {
	Status   *string
	Attended *bool
}

// ChangeByOrganizer applies an organizer's change. Confirming takes a seat and is refused when
// the event is full; a seat freed by moving someone to the waitlist or cancelling them goes to
// the next in line at once.
func ChangeByOrganizer(ctx context.Context, pool *sqlx.DB, e *event.Event, id int64, ch Change, now time.Time) (*Registration, error) {
	if ch.Status != nil {
		switch *ch.Status {
		case StatusConfirmed, StatusWaitlisted, StatusCancelled:
		default:
			v := &domain.ValidationError{}
			v.Problem("status", "one_of", domain.Params{"Values": "confirmed, waitlisted, cancelled"}, "must be confirmed, waitlisted or cancelled")
			return nil, v
		}
	}
	var out *Registration
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		if err := lockEvent(ctx, tx, e.ID); err != nil {
			return err
		}
		var r Registration
		query := `SELECT ` + columns + ` FROM registrations WHERE id = $1 AND event_id = $2 AND erased_at IS NULL FOR UPDATE`
		if err := sqlx.GetContext(ctx, tx, &r, query, id, e.ID); errors.Is(err, sql.ErrNoRows) {
			return domain.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("registration: fetch: %w", err)
		}
		out = &r
		if ch.Status != nil && *ch.Status != r.Status {
			var err error
			if out, _, err = move(ctx, tx, e, &r, *ch.Status, now); err != nil {
				return err
			}
		}
		if ch.Attended != nil {
			query := `UPDATE registrations SET attended = $2, updated_at = now() WHERE id = $1 RETURNING ` + columns
			return sqlx.GetContext(ctx, tx, out, query, id, *ch.Attended)
		}
		return nil
	})
	return out, err
}

// move changes a locked registration's status, keeping the seat counter and the reminders right.
// A seat it frees goes to whoever has waited longest (never back to the person just moved to the
// waitlist); the people promoted are returned.
func move(ctx context.Context, tx *sqlx.Tx, e *event.Event, r *Registration, to string, now time.Time) (out *Registration, promoted []Registration, err error) {
	if r.Status == StatusCancelled {
		return nil, nil, &domain.ConflictError{Code: "reinstate_instead", Field: "status", Message: "a cancelled registration comes back only by reinstating it (POST .../registrations/{id}/reinstate)"}
	}
	if r.Status == StatusConfirmed {
		if err := freeSeat(ctx, tx, e.ID); err != nil {
			return nil, nil, err
		}
	}
	if to == StatusConfirmed {
		ok, err := takeSeat(ctx, tx, e.ID, r.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, &domain.ConflictError{Code: "capacity_reached", Field: "status", Message: "the event is fully booked; raise its capacity first"}
		}
	}
	if out, err = setStatus(ctx, tx, r.ID, to, now); err != nil {
		return nil, nil, err
	}
	if err := outbox.Enqueue(ctx, tx, statusMail[to], r.ID); err != nil {
		return nil, nil, err
	}
	if to == StatusConfirmed {
		err = reminder.Schedule(ctx, tx, r.ID, now)
	} else if r.Status == StatusConfirmed {
		err = reminder.Drop(ctx, tx, r.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	if r.Status == StatusConfirmed && to != StatusConfirmed {
		if promoted, err = fillFreeSeats(ctx, tx, e.ID, r.ID, now); err != nil {
			return nil, nil, err
		}
	}
	return out, promoted, nil
}
