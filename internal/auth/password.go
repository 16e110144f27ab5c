package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// RequestReset mails the account with this address a link to set a new password, valid for
// ResetValid, in lang; a new request replaces the link of an earlier one. An address without
// such an account (unknown, disabled, or an invitation not yet taken up) gets nothing, and the
// caller cannot tell: the same one statement runs either way, and it says nothing back.
func RequestReset(ctx context.Context, q sqlx.ExecerContext, k ManageKey, email, lang string, now time.Time) error {
	email = strings.TrimSpace(email)
	v := &domain.ValidationError{}
	checkEmail(v, "email", email)
	checkLanguage(v, lang)
	if err := v.OrNil(); err != nil {
		return err
	}
	return issueLink(ctx, q, k, resettableByEmail, email, PurposeReset, lang, nil, ResetValid, now)
}

// NewPassword is a new password, typed twice.
type NewPassword struct {
	Password, Repeat string
}

// ResetPassword sets the password of the account of a working reset link, ends the link and
// every session of the account, and starts a new session, whose secret it returns.
func ResetPassword(ctx context.Context, pool *sqlx.DB, token string, in NewPassword, now time.Time) (*User, string, error) {
	v := &domain.ValidationError{}
	checkRepeatedPassword(v, in.Password, in.Repeat)
	if err := v.OrNil(); err != nil {
		return nil, "", err
	}
	return useLink(ctx, pool, PurposeReset, token, in.Password, now, func(tx *sqlx.Tx, userID int64, hash string) (*User, error) {
		var u User
		query := `UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING ` + userColumns
		if err := sqlx.GetContext(ctx, tx, &u, query, userID, hash); err != nil {
			return nil, fmt.Errorf("auth: unable to reset a password: %w", err)
		}
		// Whoever knew the old password is logged out everywhere.
		return &u, EndSessions(ctx, tx, u.ID, "")
	})
}

// PasswordChange is what a logged-in person enters to change their password.
type PasswordChange struct {
	Current, Password, Repeat string
}

// ChangePassword sets a new password for u, who must know the current one, and ends every
// other session of the account: a browser left logged in elsewhere is logged out. session is
// the secret of the session that asks, which stays.
func ChangePassword(ctx context.Context, pool *sqlx.DB, u *User, in PasswordChange, session string) error {
	v := &domain.ValidationError{}
	current, err := UserByID(ctx, pool, u.ID)
	if err != nil {
		return err
	}
	switch {
	case in.Current == "":
		v.Problem("current", "required", nil, "required")
	case current.PasswordHash == nil || bcrypt.CompareHashAndPassword([]byte(*current.PasswordHash), []byte(in.Current)) != nil:
		v.Problem("current", "wrong_password", nil, "is not the current password")
	}
	checkRepeatedPassword(v, in.Password, in.Repeat)
	if err := v.OrNil(); err != nil {
		return err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, hash); err != nil {
			return fmt.Errorf("auth: unable to change a password: %w", err)
		}
		return EndSessions(ctx, tx, u.ID, session)
	})
}
