package registration

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
)

const columns = `id, event_id, status, name, email, organization, municipality, role, answers,
	language, consent_at, attended, created_at, updated_at, confirmed_at, cancelled_at, token_salt`

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

// eventIDByToken finds which event a token belongs to, without locking, so that the event can be
// locked before the registration.
func eventIDByToken(ctx context.Context, q sqlx.QueryerContext, token string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT event_id FROM registrations WHERE token_hash = $1`, auth.HashManageToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, domain.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("registration: find token: %w", err)
	}
	return id, nil
}

// byToken returns the registration of a manage token, locked for update when lock is set.
func byToken(ctx context.Context, q sqlx.QueryerContext, token string, lock bool) (*Registration, error) {
	query := `SELECT ` + columns + `, token_hash FROM registrations WHERE token_hash = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var row struct {
		Registration
		TokenHash []byte `db:"token_hash"`
	}
	want := auth.HashManageToken(token)
	err := sqlx.GetContext(ctx, q, &row, query, want)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("registration: fetch by token: %w", err)
	}
	if subtle.ConstantTimeCompare(row.TokenHash, want) != 1 {
		return nil, domain.ErrNotFound
	}
	return &row.Registration, nil
}

// setStatus moves a registration to status and stamps when.
func setStatus(ctx context.Context, tx *sqlx.Tx, id int64, status string) (*Registration, error) {
	query := `UPDATE registrations SET status = $2, updated_at = now(),
			confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,
			cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END
		WHERE id = $1
		RETURNING ` + columns
	var r Registration
	if err := sqlx.GetContext(ctx, tx, &r, query, id, status); err != nil {
		return nil, fmt.Errorf("registration: set status: %w", err)
	}
	return &r, nil
}

// promoteFirstWaitlisted gives a freed seat to whoever has waited longest, if anyone waits.
func promoteFirstWaitlisted(ctx context.Context, tx *sqlx.Tx, eventID int64) (*Registration, error) {
	var id int64
	query := `SELECT id FROM registrations WHERE event_id = $1 AND status = 'waitlisted'
		ORDER BY created_at, id LIMIT 1 FOR UPDATE`
	err := sqlx.GetContext(ctx, tx, &id, query, eventID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registration: find waitlisted: %w", err)
	}
	ok, err := takeSeat(ctx, tx, eventID)
	if err != nil || !ok {
		return nil, err
	}
	return setStatus(ctx, tx, id, StatusConfirmed)
}

// Counts are an event's registrations by status, for pages and the event JSON.
type Counts struct {
	Confirmed  int `db:"confirmed"`
	Waitlisted int `db:"waitlisted"`
	Pending    int `db:"pending"`
}

// SeatsLeft returns how many seats of capacity are free, or nil when the event is unlimited.
func (c Counts) SeatsLeft(capacity *int) *int {
	if capacity == nil {
		return nil
	}
	left := max(*capacity-c.Confirmed, 0)
	return &left
}

// CountsOf counts the event's registrations by status.
func CountsOf(ctx context.Context, q sqlx.QueryerContext, eventID int64) (Counts, error) {
	query := `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
			count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
			count(*) FILTER (WHERE status = 'pending') AS pending
		FROM registrations WHERE event_id = $1`
	var c Counts
	if err := sqlx.GetContext(ctx, q, &c, query, eventID); err != nil {
		return c, fmt.Errorf("registration: count: %w", err)
	}
	return c, nil
}
