package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// Invitation is a person to invite, as an admin asks for one: the address, the account's global
// role (organizer, or member for moderators, who get their roles on events), and the language
// of the mail.
type Invitation struct {
	Email    string
	Role     string
	Language string
}

// Invite makes a pending account for the address and mails it a link to set name and password,
// valid for InvitationValid. Inviting a pending account again gives it the role asked for now and
// a new link, which replaces the old one. An address that has an account of its own already is a
// conflict.
func Invite(ctx context.Context, pool *sqlx.DB, k ManageKey, in Invitation, by *User, now time.Time) (*User, error) {
	in.Email = strings.TrimSpace(in.Email)
	v := &domain.ValidationError{}
	checkEmail(v, "email", in.Email)
	if in.Role != RoleOrganizer && in.Role != RoleMember {
		v.Problem("role", "invalid_choice", nil, "must be organizer or member")
	}
	checkLanguage(v, in.Language)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	var u *User
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		var err error
		u, err = pendingAccount(ctx, tx, in.Email, in.Role)
		if err != nil {
			return err
		}
		return issueLink(ctx, tx, k, accountByID, u.ID, PurposeInvitation, in.Language, idOf(by), InvitationValid, now)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// pendingAccount returns the pending account of the address with role (on a new account:
// with role, on a pending one: changed to role, when role is not ""), making it if there is
// none. An account that has been taken up, or a disabled one, is a conflict.
func pendingAccount(ctx context.Context, tx *sqlx.Tx, email, role string) (*User, error) {
	u, err := UserByEmail(ctx, tx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		if role == "" {
			role = RoleMember
		}
		var created User
		query := `INSERT INTO users (email, name, role, pending) VALUES ($1, '', $2, true) RETURNING ` + userColumns
		if err := sqlx.GetContext(ctx, tx, &created, query, email, role); err != nil {
			var pqErr *pq.Error
			if errors.As(err, &pqErr) && pqErr.Code == "23505" {
				return nil, accountExists()
			}
			return nil, fmt.Errorf("auth: unable to create a pending account: %w", err)
		}
		return &created, nil
	case err != nil:
		return nil, err
	case u.DisabledAt != nil:
		return nil, &domain.ConflictError{Code: "account_disabled", Field: "email",
			Message: "this address has a disabled account; enable it first"}
	case !u.Pending:
		return nil, accountExists()
	}
	if role != "" && role != u.Role {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $2 WHERE id = $1`, u.ID, role); err != nil {
			return nil, fmt.Errorf("auth: unable to change the role of a pending account: %w", err)
		}
		u.Role = role
	}
	return u, nil
}

// idOf is the id of u, or nil for nobody.
func idOf(u *User) *int64 {
	if u == nil {
		return nil
	}
	return &u.ID
}

func accountExists() error {
	return &domain.ConflictError{Code: "account_exists", Field: "email",
		Message: "this address has an account already; give it a role on an event instead"}
}

// checkLanguage records a problem unless lang is a language Podium writes in.
func checkLanguage(v *domain.ValidationError, lang string) {
	if lang != "de" && lang != "en" {
		v.Problem("language", "invalid_choice", nil, "must be de or en")
	}
}

// Welcome is what an invited person enters to take up their account.
type Welcome struct {
	Name, Password, Repeat string
}

// AcceptInvitation takes up the account of a working invitation link: it sets name and
// password, ends the link, and starts a session, whose secret it returns.
func AcceptInvitation(ctx context.Context, pool *sqlx.DB, token string, in Welcome, now time.Time) (*User, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	v := &domain.ValidationError{}
	checkName(v, "name", in.Name)
	checkRepeatedPassword(v, in.Password, in.Repeat)
	if err := v.OrNil(); err != nil {
		return nil, "", err
	}
	return useLink(ctx, pool, PurposeInvitation, token, in.Password, now, func(tx *sqlx.Tx, userID int64, hash string) (*User, error) {
		var u User
		query := `UPDATE users SET name = $2, password_hash = $3, pending = false WHERE id = $1 RETURNING ` + userColumns
		if err := sqlx.GetContext(ctx, tx, &u, query, userID, in.Name, hash); err != nil {
			return nil, fmt.Errorf("auth: unable to take up an account: %w", err)
		}
		return &u, nil
	})
}

// useLink takes a working link of purpose: it sets the account's new password through set (with
// the password's hash), ends the link and starts a session, all in one transaction, and returns
// the account and the session's secret. An unknown, used or expired link changes nothing.
func useLink(ctx context.Context, pool *sqlx.DB, purpose, token, password string, now time.Time,
	set func(tx *sqlx.Tx, userID int64, hash string) (*User, error)) (*User, string, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var (
		u      *User
		secret string
	)
	err = db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		l, err := linkByToken(ctx, tx, purpose, token, now, "FOR UPDATE OF l")
		if err != nil {
			return err
		}
		if u, err = set(tx, l.UserID, hash); err != nil {
			return err
		}
		if err := deleteLink(ctx, tx, l.ID); err != nil {
			return err
		}
		secret, err = CreateSession(ctx, tx, u.ID, now)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, secret, nil
}

// checkRepeatedPassword checks a new password and that it was typed the same twice.
func checkRepeatedPassword(v *domain.ValidationError, password, repeat string) {
	if checkNewPassword(v, "password", password) && repeat != password {
		v.Problem("repeat", "mismatch", nil, "must be the same password as the first")
	}
}
