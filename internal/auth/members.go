package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// Member is a user holding a role on one event.
type Member struct {
	UserID int64  `db:"user_id" json:"user_id"`
	Email  string `db:"email" json:"email"`
	Name   string `db:"name" json:"name"` // "" until an invited person took up their account
	Role   string `db:"role" json:"role"`
	// Invited is a person who was invited and has not taken up their account yet.
	Invited bool `db:"invited" json:"invited,omitempty"`
}

// EventRoleOf is one of a user's event roles, as /api/v1/me lists them.
type EventRoleOf struct {
	EventID int64  `db:"event_id" json:"event_id"`
	Slug    string `db:"slug" json:"slug"`
	Role    string `db:"role" json:"role"`
}

// Members returns the users holding a role on the event.
func Members(ctx context.Context, q sqlx.QueryerContext, eventID int64) ([]Member, error) {
	query := `SELECT m.user_id, u.email, u.name, m.role, u.pending AS invited FROM event_members m JOIN users u ON u.id = m.user_id
		WHERE m.event_id = $1 ORDER BY m.role, lower(u.email)`
	out := []Member{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID); err != nil {
		return nil, fmt.Errorf("auth: unable to list members: %w", err)
	}
	return out, nil
}

// RolesOf returns the user's roles on events.
func RolesOf(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]EventRoleOf, error) {
	query := `SELECT m.event_id, e.slug, m.role FROM event_members m JOIN events e ON e.id = m.event_id
		WHERE m.user_id = $1 ORDER BY e.starts_at DESC`
	out := []EventRoleOf{}
	if err := sqlx.SelectContext(ctx, q, &out, query, userID); err != nil {
		return nil, fmt.Errorf("auth: unable to list roles: %w", err)
	}
	return out, nil
}

// ManagedEvents returns the events the user holds a role on, newest first, at most limit. With
// all (admins) it returns every event, with the role "" where the user holds none.
func ManagedEvents(ctx context.Context, q sqlx.QueryerContext, userID int64, all bool, limit int) ([]EventRoleOf, error) {
	query := `SELECT e.id AS event_id, e.slug, COALESCE(m.role, '') AS role FROM events e
		LEFT JOIN event_members m ON m.event_id = e.id AND m.user_id = $1
		WHERE $2 OR m.user_id IS NOT NULL
		ORDER BY e.starts_at DESC, e.id LIMIT $3`
	out := []EventRoleOf{}
	if err := sqlx.SelectContext(ctx, q, &out, query, userID, all, limit); err != nil {
		return nil, fmt.Errorf("auth: unable to list managed events: %w", err)
	}
	return out, nil
}

// RemoveEventRole takes the user's role on the event away; it reports ErrNotFound if they held none.
func RemoveEventRole(ctx context.Context, q sqlx.ExecerContext, eventID, userID int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM event_members WHERE event_id = $1 AND user_id = $2`, eventID, userID)
	if err != nil {
		return fmt.Errorf("auth: unable to remove event role: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// GiveEventRole gives the person with this address a role on the event. An address without an
// account gets a pending account holding the role, and an invitation in lang to take it up
// (invited is true); a pending account gets its invitation again, with a new link. The role
// counts from the moment the invited person has set their password.
func GiveEventRole(ctx context.Context, pool *sqlx.DB, k ManageKey, eventID int64, email, role, lang string, by *User, now time.Time) (m *Member, invited bool, err error) {
	email = strings.TrimSpace(email)
	v := &domain.ValidationError{}
	if role != EventOrganizer && role != EventModerator {
		v.Problem("role", "one_of", domain.Params{"Values": "organizer, moderator"}, "must be organizer or moderator")
	}
	checkEmail(v, "email", email)
	checkLanguage(v, lang)
	if err := v.OrNil(); err != nil {
		return nil, false, err
	}
	err = db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		u, err := UserByEmail(ctx, tx, email)
		invited = errors.Is(err, ErrNotFound) || err == nil && u.Pending
		switch {
		case invited:
			if u, err = pendingAccount(ctx, tx, email, ""); err != nil {
				return err
			}
			if err := issueLink(ctx, tx, k, accountByID, u.ID, PurposeInvitation, lang, idOf(by), InvitationValid, now); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if err := SetEventRole(ctx, tx, eventID, u.ID, role); err != nil {
			return err
		}
		m = &Member{UserID: u.ID, Email: u.Email, Name: u.Name, Role: role, Invited: u.Pending}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return m, invited, nil
}
