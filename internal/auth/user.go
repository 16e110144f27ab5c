// Package auth knows who is calling: users and their global roles, API tokens, and which role a
// user holds on an event. The permission rules live in permission.go.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"github.com/podium-events/podium/internal/domain"
)

// Global roles.
const (
	RoleAdmin     = "admin"     // may do everything
	RoleOrganizer = "organizer" // may create events and organizes the events they create
	RoleMember    = "member"    // may do only what an event grants
)

// Password rules, as the forms state them: at least MinPasswordLen characters, and at most
// MaxPasswordBytes bytes, which is all bcrypt reads (a letter with an accent takes two).
const (
	MinPasswordLen   = 10
	MaxPasswordBytes = 72
	maxNameLen       = 200
	maxEmailLen      = 254
)

// ErrNotFound means no such user or token.
var ErrNotFound = errors.New("auth: not found")

// ErrUserExists means a user with that email address exists already.
var ErrUserExists = errors.New("auth: a user with this email address exists already")

// User is an organizer, moderator or administrator with an account.
type User struct {
	ID           int64     `db:"id" json:"id"`
	Email        string    `db:"email" json:"email"`
	Name         string    `db:"name" json:"name"`
	Role         string    `db:"role" json:"role"`
	PasswordHash *string   `db:"password_hash" json:"-"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	// Pending is an invited account whose owner has not set name and password yet.
	Pending    bool       `db:"pending" json:"-"`
	DisabledAt *time.Time `db:"disabled_at" json:"-"`
}

// userColumns are the columns of User, for the queries that read a user.
const userColumns = `id, email, name, role, password_hash, created_at, pending, disabled_at`

// IsAdmin tells whether u may do everything.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// NewUser is what it takes to create a user.
type NewUser struct {
	Email    string
	Name     string
	Role     string
	Password string // empty: no password login
}

// Validate checks a new user and returns a readable error for the first problem.
func (n *NewUser) Validate() error {
	if !plainAddress(n.Email) {
		return fmt.Errorf("email: %q is not a valid address", n.Email)
	}
	if v := (&domain.ValidationError{}); !checkName(v, "name", n.Name) {
		return fmt.Errorf("name: %s", v.Fields[0].Message)
	}
	switch n.Role {
	case RoleAdmin, RoleOrganizer, RoleMember:
	default:
		return fmt.Errorf("role: must be admin, organizer or member, got %q", n.Role)
	}
	if v := (&domain.ValidationError{}); n.Password != "" && !checkNewPassword(v, "password", n.Password) {
		return fmt.Errorf("password: %s", v.Fields[0].Message)
	}
	return nil
}

// plainAddress tells whether s is an email address and nothing else (no name, no comment) that
// the database can store.
func plainAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == strings.TrimSpace(s) && len(s) <= maxEmailLen && domain.Storable(s)
}

// checkEmail records a problem with field unless s is a plain email address.
func checkEmail(v *domain.ValidationError, field, s string) bool {
	switch {
	case strings.TrimSpace(s) == "":
		v.Problem(field, "required", nil, "required")
	case len(s) > maxEmailLen:
		v.Problem(field, "too_long", domain.Params{"Max": maxEmailLen}, fmt.Sprintf("at most %d characters", maxEmailLen))
	case !plainAddress(s):
		v.Problem(field, "invalid_email", nil, "must be an email address such as name@kommune.de")
	default:
		return true
	}
	return false
}

// checkNewPassword records a problem with field unless password follows the password rules.
func checkNewPassword(v *domain.ValidationError, field, password string) bool {
	switch {
	case password == "":
		v.Problem(field, "required", nil, "required")
	case !utf8.ValidString(password):
		v.Problem(field, "utf8", nil, "must be valid UTF-8 text")
	case utf8.RuneCountInString(password) < MinPasswordLen:
		v.Problem(field, "too_short", domain.Params{"Min": MinPasswordLen}, fmt.Sprintf("must be at least %d characters long", MinPasswordLen))
	case len(password) > MaxPasswordBytes:
		v.Problem(field, "password_too_long", domain.Params{"Max": MaxPasswordBytes}, fmt.Sprintf("must be at most %d bytes long (letters with accents take two)", MaxPasswordBytes))
	default:
		return true
	}
	return false
}

// checkName records a problem with field unless name is a person's name on one line.
func checkName(v *domain.ValidationError, field, name string) bool {
	switch {
	case strings.TrimSpace(name) == "":
		v.Problem(field, "required", nil, "required")
	case utf8.RuneCountInString(name) > maxNameLen:
		v.Problem(field, "too_long", domain.Params{"Max": maxNameLen}, fmt.Sprintf("at most %d characters", maxNameLen))
	default:
		return v.CheckLine(field, name)
	}
	return false
}

// hashPassword is what the database keeps of a password: its bcrypt hash.
func hashPassword(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(b), nil
}

// CreateUser stores a new user; the password, if any, only as a bcrypt hash.
func CreateUser(ctx context.Context, q sqlx.ExtContext, n NewUser) (*User, error) {
	n.Email = strings.TrimSpace(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var hash *string
	if n.Password != "" {
		h, err := hashPassword(n.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	query := `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
		RETURNING ` + userColumns
	var u User
	if err := sqlx.GetContext(ctx, q, &u, query, n.Email, n.Name, n.Role, hash); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23505" {
			return nil, ErrUserExists
		}
		return nil, fmt.Errorf("auth: unable to create user: %w", err)
	}
	return &u, nil
}

// UserByEmail finds a user by email address, ignoring case.
func UserByEmail(ctx context.Context, q sqlx.QueryerContext, email string) (*User, error) {
	// No address PostgreSQL cannot store belongs to a user; asking it would fail, not miss.
	if !domain.Storable(email) {
		return nil, ErrNotFound
	}
	query := `SELECT ` + userColumns + ` FROM users WHERE lower(email) = lower($1)`
	var u User
	if err := sqlx.GetContext(ctx, q, &u, query, strings.TrimSpace(email)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: unable to fetch user: %w", err)
	}
	return &u, nil
}
