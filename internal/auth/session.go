package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// Session lifetimes: a session ends after SessionIdle without use, and after SessionMax in any
// case, so a forgotten browser in a town hall does not stay logged in.
const (
	SessionIdle = 2 * time.Hour
	SessionMax  = 12 * time.Hour
)

// ErrBadLogin means the address or the password is wrong; which one is not told.
var ErrBadLogin = errors.New("auth: wrong email address or password")

// ErrDisabled means the password is right but an admin disabled the account.
var ErrDisabled = errors.New("auth: the account is disabled")

// dummyHash keeps a login for an unknown address as slow as one with a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no user has this password"), bcrypt.DefaultCost)

// CheckPassword returns the user with this address and password. Only who knows the password
// learns that the account is disabled (ErrDisabled).
func CheckPassword(ctx context.Context, q sqlx.QueryerContext, email, password string) (*User, error) {
	u, err := UserByEmail(ctx, q, email)
	if errors.Is(err, ErrNotFound) || (err == nil && u.PasswordHash == nil) {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(*u.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadLogin
	}
	if u.DisabledAt != nil {
		return nil, ErrDisabled
	}
	return u, nil
}

// CreateSession starts a session for the user, notes the login, and returns the session's
// secret for the cookie.
func CreateSession(ctx context.Context, q sqlx.ExecerContext, userID int64, now time.Time) (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random session: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	query := `WITH login AS (UPDATE users SET last_login_at = $3 WHERE id = $2)
		INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`
	if _, err := q.ExecContext(ctx, query, hashToken(secret), userID, now, now.Add(SessionMax)); err != nil {
		return "", fmt.Errorf("auth: unable to create session: %w", err)
	}
	return secret, nil
}

// UserBySession returns the user of a live session and notes its use; an expired or unknown
// session, or one of a disabled account, is ErrNotFound.
func UserBySession(ctx context.Context, q sqlx.ExtContext, secret string, now time.Time) (*User, error) {
	if len(secret) > 100 {
		return nil, ErrNotFound
	}
	query := `UPDATE sessions s SET last_seen_at = $2
		FROM users u
		WHERE s.token_hash = $1 AND u.id = s.user_id AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled_at IS NULL
		RETURNING u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.pending, u.disabled_at`
	var u User
	if err := sqlx.GetContext(ctx, q, &u, query, hashToken(secret), now, now.Add(-SessionIdle)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: unable to fetch session: %w", err)
	}
	return &u, nil
}

// EndSession logs out; ending an unknown session is no error.
func EndSession(ctx context.Context, q sqlx.ExecerContext, secret string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(secret)); err != nil {
		return fmt.Errorf("auth: unable to end session: %w", err)
	}
	return nil
}

// EndSessions ends every session of the user but the one with secret keep (none if "").
func EndSessions(ctx context.Context, q sqlx.ExecerContext, userID int64, keep string) error {
	query := `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`
	if _, err := q.ExecContext(ctx, query, userID, hashToken(keep)); err != nil {
		return fmt.Errorf("auth: unable to end sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that can no longer be used.
func DeleteExpiredSessions(ctx context.Context, q sqlx.ExecerContext, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-SessionIdle))
	if err != nil {
		return 0, fmt.Errorf("auth: unable to delete sessions: %w", err)
	}
	return res.RowsAffected()
}
