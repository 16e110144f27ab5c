package registration

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
)

const columns = `id, event_id, status, name, email, organization, municipality, role, answers,
	language, consent_at, consent_version, attended, created_at, updated_at, confirmed_at, cancelled_at, token_salt`

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

// setStatus moves a registration to status and stamps when. A confirmation is stamped with the
// change's clock, now, which the reminders compare with their moments (as the registration's
// own reminders do).
func setStatus(ctx context.Context, tx *sqlx.Tx, id int64, status string, now time.Time) (*Registration, error) {
	query := `UPDATE registrations SET status = $2, updated_at = now(),
			confirmed_at = CASE WHEN $2 = 'confirmed' THEN $3 ELSE confirmed_at END,
			cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END
		WHERE id = $1
		RETURNING ` + columns
	var r Registration
	if err := sqlx.GetContext(ctx, tx, &r, query, id, status, now); err != nil {
		return nil, fmt.Errorf("registration: set status: %w", err)
	}
	return &r, nil
}

// Counts are an event's registrations by status, for pages and the event JSON.
type Counts struct {
	Confirmed  int `db:"confirmed"`
	Waitlisted int `db:"waitlisted"`
	Pending    int `db:"pending"`
	// Attended counts the people marked attended, by their join link or an organizer.
	Attended int `db:"attended"`
}

// SeatsLeft returns how many seats of capacity are free, or nil when the event is unlimited.
func (c Counts) SeatsLeft(capacity *int) *int {
	if capacity == nil {
		return nil
	}
	left := max(*capacity-c.Confirmed, 0)
	return &left
}

// CountsOfEvents is CountsOf for many events in one query; an event without registrations has
// no entry, which reads as zero counts.
func CountsOfEvents(ctx context.Context, q sqlx.QueryerContext, eventIDs []int64) (map[int64]Counts, error) {
	query := `SELECT event_id, count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
			count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
			count(*) FILTER (WHERE status = 'pending') AS pending,
			count(*) FILTER (WHERE attended) AS attended
		FROM registrations WHERE event_id = ANY($1) GROUP BY event_id`
	var rows []struct {
		EventID int64 `db:"event_id"`
		Counts
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Int64Array(eventIDs)); err != nil {
		return nil, fmt.Errorf("registration: count per event: %w", err)
	}
	out := make(map[int64]Counts, len(rows))
	for _, r := range rows {
		out[r.EventID] = r.Counts
	}
	return out, nil
}

// CountsOf counts the event's registrations by status.
func CountsOf(ctx context.Context, q sqlx.QueryerContext, eventID int64) (Counts, error) {
	query := `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
			count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
			count(*) FILTER (WHERE status = 'pending') AS pending,
			count(*) FILTER (WHERE attended) AS attended
		FROM registrations WHERE event_id = $1`
	var c Counts
	if err := sqlx.GetContext(ctx, q, &c, query, eventID); err != nil {
		return c, fmt.Errorf("registration: count: %w", err)
	}
	return c, nil
}
