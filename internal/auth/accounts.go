package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// UserByID finds a user by id.
func UserByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*User, error) {
	var u User
	if err := sqlx.GetContext(ctx, q, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: unable to fetch user: %w", err)
	}
	return &u, nil
}

// Account is a user as admins see them on the accounts page.
type Account struct {
	User
	LastLoginAt *time.Time `db:"last_login_at"`
	// InvitationExpires is when the open invitation's link stops working, for a pending account
	// that has one.
	InvitationExpires *time.Time `db:"invitation_expires"`
}

// maxListedAccounts bounds the accounts page; a service has a few dozen accounts.
const maxListedAccounts = 1000

// Accounts lists every account by address.
func Accounts(ctx context.Context, q sqlx.QueryerContext) ([]Account, error) {
	query := `SELECT u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.pending, u.disabled_at, u.last_login_at,
			l.expires_at AS invitation_expires
		FROM users u LEFT JOIN account_links l ON l.user_id = u.id AND l.purpose = 'invitation'
		ORDER BY lower(u.email) LIMIT $1`
	out := []Account{}
	if err := sqlx.SelectContext(ctx, q, &out, query, maxListedAccounts); err != nil {
		return nil, fmt.Errorf("auth: unable to list accounts: %w", err)
	}
	return out, nil
}

// Disable stops an account at once: it cannot log in, its sessions end, and its API tokens do
// not work while it is disabled. by may not disable their own account, so that an admin cannot
// lock themselves out.
func Disable(ctx context.Context, pool *sqlx.DB, by *User, id int64) error {
	if by.ID == id {
		return &domain.ConflictError{Code: "disable_self", Message: "you cannot disable your own account"}
	}
	return db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("auth: unable to disable an account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return EndSessions(ctx, tx, id, "")
	})
}

// Enable lets a disabled account in again; its API tokens work again.
func Enable(ctx context.Context, q sqlx.ExecerContext, id int64) error {
	res, err := q.ExecContext(ctx, `UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("auth: unable to enable an account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Reinvite mails a pending account a new invitation, which replaces the old link, in the
// language of the old one (lang once that has expired).
func Reinvite(ctx context.Context, pool *sqlx.DB, k ManageKey, id int64, lang string, by *User, now time.Time) error {
	u, err := UserByID(ctx, pool, id)
	if err != nil {
		return err
	}
	var earlier []string
	query := `SELECT language FROM account_links WHERE user_id = $1 AND purpose = 'invitation'`
	if err := sqlx.SelectContext(ctx, pool, &earlier, query, id); err != nil {
		return fmt.Errorf("auth: unable to read an invitation: %w", err)
	}
	if len(earlier) > 0 {
		lang = earlier[0]
	}
	_, err = Invite(ctx, pool, k, Invitation{Email: u.Email, Role: u.Role, Language: lang}, by, now)
	return err
}
