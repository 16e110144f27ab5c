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

// Password limits; bcrypt reads at most 72 bytes.
const (
	minPasswordLen = 10
	maxPasswordLen = 72
	maxNameLen     = 200
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
}

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
	addr, err := mail.ParseAddress(n.Email)
	if err != nil || addr.Address != strings.TrimSpace(n.Email) || !domain.Storable(n.Email) {
		return fmt.Errorf("email: %q is not a valid address", n.Email)
	}
	if strings.TrimSpace(n.Name) == "" || utf8.RuneCountInString(n.Name) > maxNameLen {
		return fmt.Errorf("name: required, at most %d characters", maxNameLen)
	}
	if v := (&domain.ValidationError{}); !v.CheckLine("name", n.Name) {
		return fmt.Errorf("name: %s", v.Fields[0].Message)
	}
	switch n.Role {
	case RoleAdmin, RoleOrganizer, RoleMember:
	default:
		return fmt.Errorf("role: must be admin, organizer or member, got %q", n.Role)
	}
	if n.Password != "" && (len(n.Password) < minPasswordLen || len(n.Password) > maxPasswordLen) {
		return fmt.Errorf("password: must be %d to %d bytes long", minPasswordLen, maxPasswordLen)
	}
	return nil
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
		b, err := bcrypt.GenerateFromPassword([]byte(n.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, fmt.Errorf("auth: hash password: %w", err)
		}
		s := string(b)
		hash = &s
	}
	query := `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
		RETURNING id, email, name, role, password_hash, created_at`
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
	query := `SELECT id, email, name, role, password_hash, created_at FROM users WHERE lower(email) = lower($1)`
	var u User
	if err := sqlx.GetContext(ctx, q, &u, query, strings.TrimSpace(email)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: unable to fetch user: %w", err)
	}
	return &u, nil
}
