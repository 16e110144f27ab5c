package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Roles a user can hold on one event.
const (
	EventOrganizer = "organizer"
	EventModerator = "moderator"
)

// Need is what a route or use case requires of the caller on an event.
type Need int

// What callers may need, from least to most.
const (
	NeedNothing   Need = iota // anyone, also without an account
	NeedModerator             // moderators and organizers of the event, admins
	NeedOrganizer             // organizers of the event, admins
)

// EventRole returns the user's role on the event, or "" if they hold none.
func EventRole(ctx context.Context, q sqlx.QueryerContext, userID, eventID int64) (string, error) {
	var role string
	query := `SELECT role FROM event_members WHERE event_id = $1 AND user_id = $2`
	if err := sqlx.GetContext(ctx, q, &role, query, eventID, userID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", fmt.Errorf("auth: unable to fetch event role: %w", err)
	}
	return role, nil
}

// Allowed tells whether u may do what needs `need` on the event. A nil user has no account.
func Allowed(ctx context.Context, q sqlx.QueryerContext, u *User, eventID int64, need Need) (bool, error) {
	if need == NeedNothing {
		return true, nil
	}
	if u == nil {
		return false, nil
	}
	if u.IsAdmin() {
		return true, nil
	}
	role, err := EventRole(ctx, q, u.ID, eventID)
	if err != nil {
		return false, err
	}
	switch need {
	case NeedOrganizer:
		return role == EventOrganizer, nil
	case NeedModerator:
		return role == EventOrganizer || role == EventModerator, nil
	}
	return false, nil
}

// CanCreateEvents tells whether u may create events at all.
func CanCreateEvents(u *User) bool {
	return u != nil && (u.Role == RoleAdmin || u.Role == RoleOrganizer)
}

// SetEventRole gives a user a role on an event, replacing any role they had there.
func SetEventRole(ctx context.Context, q sqlx.ExecerContext, eventID, userID int64, role string) error {
	if role != EventOrganizer && role != EventModerator {
		return fmt.Errorf("auth: unknown event role %q", role)
	}
	query := `INSERT INTO event_members (event_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (event_id, user_id) DO UPDATE SET role = EXCLUDED.role`
	if _, err := q.ExecContext(ctx, query, eventID, userID, role); err != nil {
		return fmt.Errorf("auth: unable to set event role: %w", err)
	}
	return nil
}
