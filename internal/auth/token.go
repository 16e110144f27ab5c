package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/domain"
)

// tokenPrefix makes Podium tokens recognisable to people and secret scanners.
const tokenPrefix = "pdm_"

// tokenBytes of randomness: 256 bits, out of reach of guessing.
const tokenBytes = 32

// ErrInvalidToken means the token is unknown, malformed or revoked.
var ErrInvalidToken = errors.New("auth: invalid or revoked API token")

// Token describes an API token; the secret itself is never stored.
type Token struct {
	ID         int64      `db:"id" json:"id"`
	UserID     int64      `db:"user_id" json:"user_id"`
	Name       string     `db:"name" json:"name"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
}

func hashToken(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateToken makes a new API token for the user and returns its secret, which is shown once:
// only its SHA-256 hash is stored. A slow hash is not needed for 256 random bits.
func CreateToken(ctx context.Context, q sqlx.ExtContext, userID int64, name string) (string, *Token, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: random token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	query := `INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3)
		RETURNING id, user_id, name, created_at, last_used_at, revoked_at`
	var t Token
	if err := sqlx.GetContext(ctx, q, &t, query, userID, strings.TrimSpace(name), hashToken(secret)); err != nil {
		return "", nil, fmt.Errorf("auth: unable to create token: %w", err)
	}
	return secret, &t, nil
}

// UserByToken returns the owner of a valid, unrevoked token and notes when it was used. The
// tokens of a disabled account do not work while it is disabled.
func UserByToken(ctx context.Context, q sqlx.ExtContext, secret string) (*User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, ErrInvalidToken
	}
	query := `SELECT u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.pending, u.disabled_at,
			t.id AS token_id, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`
	var row struct {
		User
		TokenID    int64      `db:"token_id"`
		LastUsedAt *time.Time `db:"last_used_at"`
	}
	if err := sqlx.GetContext(ctx, q, &row, query, hashToken(secret)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrInvalidToken
		}
		return nil, fmt.Errorf("auth: unable to check token: %w", err)
	}
	// Written at most once a minute, so that a busy script does not turn every read into a write.
	if row.LastUsedAt == nil || time.Since(*row.LastUsedAt) > time.Minute {
		if _, err := q.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, row.TokenID); err != nil {
			return nil, fmt.Errorf("auth: unable to note token use: %w", err)
		}
	}
	return &row.User, nil
}

// Tokens lists a user's tokens, newest first.
func Tokens(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]Token, error) {
	query := `SELECT id, user_id, name, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`
	var ts []Token
	if err := sqlx.SelectContext(ctx, q, &ts, query, userID); err != nil {
		return nil, fmt.Errorf("auth: unable to list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken makes a token of the user unusable from now on.
func RevokeToken(ctx context.Context, q sqlx.ExecerContext, userID, tokenID int64) error {
	query := `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`
	res, err := q.ExecContext(ctx, query, tokenID, userID)
	if err != nil {
		return fmt.Errorf("auth: unable to revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Limits of the tokens page: a token's name says what it is for, and an account holds a handful
// of working tokens, one per script, not one per run.
const (
	MaxTokenName    = 100
	MaxActiveTokens = 20
)

// CreateNamedToken makes a token as the tokens page does: with a name saying what it is for,
// and only while the user holds fewer than MaxActiveTokens working ones.
func CreateNamedToken(ctx context.Context, q sqlx.ExtContext, userID int64, name string) (string, *Token, error) {
	name = strings.TrimSpace(name)
	v := &domain.ValidationError{}
	switch {
	case name == "":
		v.Problem("name", "required", nil, "required")
	case utf8.RuneCountInString(name) > MaxTokenName:
		v.Problem("name", "too_long", domain.Params{"Max": MaxTokenName}, fmt.Sprintf("at most %d characters", MaxTokenName))
	default:
		v.CheckLine("name", name)
	}
	if err := v.OrNil(); err != nil {
		return "", nil, err
	}
	var active int
	if err := sqlx.GetContext(ctx, q, &active, `SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, userID); err != nil {
		return "", nil, fmt.Errorf("auth: unable to count tokens: %w", err)
	}
	if active >= MaxActiveTokens {
		return "", nil, &domain.ConflictError{Code: "too_many_tokens", Params: domain.Params{"Max": MaxActiveTokens},
			Message: fmt.Sprintf("an account holds at most %d working tokens; revoke one first", MaxActiveTokens)}
	}
	return CreateToken(ctx, q, userID, name)
}

// OwnedToken is a working token with its owner, as admins see every account's tokens.
type OwnedToken struct {
	Token
	OwnerEmail string `db:"owner_email"`
	OwnerName  string `db:"owner_name"`
}

// maxListedTokens bounds the admins' list of tokens.
const maxListedTokens = 500

// ActiveTokens lists the working tokens of every account, newest first.
func ActiveTokens(ctx context.Context, q sqlx.QueryerContext) ([]OwnedToken, error) {
	query := `SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.revoked_at, u.email AS owner_email, u.name AS owner_name
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.revoked_at IS NULL ORDER BY t.id DESC LIMIT $1`
	ts := []OwnedToken{}
	if err := sqlx.SelectContext(ctx, q, &ts, query, maxListedTokens); err != nil {
		return nil, fmt.Errorf("auth: unable to list tokens: %w", err)
	}
	return ts, nil
}

// RevokeAnyToken is RevokeToken for admins: any account's token.
func RevokeAnyToken(ctx context.Context, q sqlx.ExecerContext, tokenID int64) error {
	res, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, tokenID)
	if err != nil {
		return fmt.Errorf("auth: unable to revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
