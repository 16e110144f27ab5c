// Package audit keeps the log of organizer and moderator actions: who changed, cancelled,
// exported what, and when.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Entry is one action.
type Entry struct {
	ID        int64     `db:"id" json:"id"`
	At        time.Time `db:"at" json:"at"`
	UserID    *int64    `db:"user_id" json:"user_id"`
	UserEmail string    `db:"user_email" json:"user_email"`
	EventID   *int64    `db:"event_id" json:"event_id"`
	Action    string    `db:"action" json:"action"`
	Detail    string    `db:"detail" json:"detail"`
}

// maxDetail keeps a detail readable; it names things, it does not copy them.
const maxDetail = 500

// Record adds an entry.
func Record(ctx context.Context, q sqlx.ExecerContext, e Entry) error {
	if len(e.Detail) > maxDetail {
		e.Detail = e.Detail[:maxDetail]
	}
	query := `INSERT INTO audit_log (user_id, user_email, event_id, action, detail) VALUES ($1, $2, $3, $4, $5)`
	if _, err := q.ExecContext(ctx, query, e.UserID, e.UserEmail, e.EventID, e.Action, e.Detail); err != nil {
		return fmt.Errorf("audit: record: %w", err)
	}
	return nil
}

// ForEvent returns the newest entries about an event, newest first.
func ForEvent(ctx context.Context, q sqlx.QueryerContext, eventID int64, limit int) ([]Entry, error) {
	query := `SELECT id, at, user_id, user_email, event_id, action, detail FROM audit_log
		WHERE event_id = $1 ORDER BY id DESC LIMIT $2`
	out := []Entry{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, limit); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Recent returns the newest entries of all events, for admins.
func Recent(ctx context.Context, q sqlx.QueryerContext, limit int) ([]Entry, error) {
	query := `SELECT id, at, user_id, user_email, event_id, action, detail FROM audit_log ORDER BY id DESC LIMIT $1`
	out := []Entry{}
	if err := sqlx.SelectContext(ctx, q, &out, query, limit); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}
