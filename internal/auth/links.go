package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/outbox"
)

// Purposes of account links: the mailed links that let a person set a password without being
// logged in.
const (
	PurposeInvitation = "invitation" // an invited person sets name and password
	PurposeReset      = "reset"      // a person who forgot their password sets a new one
)

// How long a link works after it was mailed. An invitation may wait in an inbox over a long
// weekend; a reset is asked for by someone sitting in front of the login page.
const (
	InvitationValid = 7 * 24 * time.Hour
	ResetValid      = time.Hour
)

// ErrLinkInvalid means an account link does not work: unknown, used, replaced by a newer one,
// expired, or its account is disabled. Which one is not told.
var ErrLinkInvalid = errors.New("auth: the link is unknown, used, replaced or expired")

// linkSaltBytes of randomness per link.
const linkSaltBytes = 16

// LinkToken returns the token of an account link with this salt: 256 bits, URL-safe. Like a
// manage token, it is derived from PODIUM_SECRET, so that the mail worker can write it into the
// mail while the database holds only its hash.
func (k ManageKey) LinkToken(salt []byte) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("podium account link v1\x00"))
	mac.Write(salt)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// linkUsers are the accounts issueLink may give a link, as a SELECT of their id with the
// account's key as $1.
const (
	// an account by id that is not disabled
	accountByID = `SELECT id FROM users WHERE id = $1 AND disabled_at IS NULL`
	// an account by address that may reset its password: not disabled, not an open invitation
	resettableByEmail = `SELECT id FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL AND NOT pending`
)

// issueLink gives the account that who selects (with who's $1 = key) a new link of purpose,
// valid from now for valid, replacing the one it had, and queues the link's mail; all in one
// statement, which does the same work whether who finds an account or not. by is who sent an
// invitation.
func issueLink(ctx context.Context, q sqlx.ExecerContext, k ManageKey, who string, key any, purpose, lang string, by *int64, valid time.Duration, now time.Time) error {
	salt := make([]byte, linkSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("auth: random link: %w", err)
	}
	kind := outbox.KindInvitation
	if purpose == PurposeReset {
		kind = outbox.KindPasswordReset
	}
	// The new link is inserted after the old one is deleted (it reads what the DELETE returned),
	// so that it does not clash with the one it replaces. When another request gave the account
	// a link of this purpose at the same moment, that one stays and its mail goes out: one new
	// link is all anyone asked for.
	query := `WITH who AS (` + who + `),
		old AS (
			DELETE FROM account_links l USING who WHERE l.user_id = who.id AND l.purpose = $2 RETURNING l.id
		), link AS (
			INSERT INTO account_links (user_id, purpose, token_salt, token_hash, language, invited_by, created_at, expires_at)
			SELECT who.id, $2, $3, $4, $5, $6, $7, $8 FROM who WHERE (SELECT count(*) FROM old) >= 0
			ON CONFLICT DO NOTHING
			RETURNING id
		)
		` + outbox.EnqueueLinkFrom(kind, "link")
	_, err := q.ExecContext(ctx, query, key, purpose, salt, hashToken(k.LinkToken(salt)), lang, by, now, now.Add(valid))
	if err != nil {
		return fmt.Errorf("auth: unable to issue a %s link: %w", purpose, err)
	}
	return nil
}

// Link is a working account link, with the address of its account.
type Link struct {
	ID     int64  `db:"id"`
	UserID int64  `db:"user_id"`
	Email  string `db:"email"`
}

// maxLinkToken is longer than any token LinkToken makes; a longer one is not looked up.
const maxLinkToken = 100

// LinkByToken returns the working link of purpose with this token, or ErrLinkInvalid.
func LinkByToken(ctx context.Context, q sqlx.QueryerContext, purpose, token string, now time.Time) (*Link, error) {
	return linkByToken(ctx, q, purpose, token, now, "")
}

// linkByToken reads a working link; lock, if not "", is appended to the query (FOR UPDATE).
func linkByToken(ctx context.Context, q sqlx.QueryerContext, purpose, token string, now time.Time, lock string) (*Link, error) {
	if token == "" || len(token) > maxLinkToken {
		return nil, ErrLinkInvalid
	}
	// An invitation works only until it was taken up; a reset only for an account that has
	// been taken up.
	query := `SELECT l.id, l.user_id, u.email
		FROM account_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.purpose = $2 AND l.expires_at > $3 AND u.disabled_at IS NULL
			AND u.pending = ($2 = 'invitation') ` + lock
	var l Link
	if err := sqlx.GetContext(ctx, q, &l, query, hashToken(token), purpose, now); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrLinkInvalid
		}
		return nil, fmt.Errorf("auth: unable to read a link: %w", err)
	}
	return &l, nil
}

// deleteLink removes a link that was used: it works once.
func deleteLink(ctx context.Context, q sqlx.ExecerContext, id int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM account_links WHERE id = $1`, id); err != nil {
		return fmt.Errorf("auth: unable to delete a link: %w", err)
	}
	return nil
}

// DeleteExpiredLinks removes links that no longer work, with their mails.
func DeleteExpiredLinks(ctx context.Context, q sqlx.ExecerContext, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM account_links WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("auth: unable to delete expired links: %w", err)
	}
	return res.RowsAffected()
}

// LinkMail is what the mail of an account link says, as it is when the mail goes out.
type LinkMail struct {
	LinkID    int64     `db:"id"`
	Purpose   string    `db:"purpose"`
	Language  string    `db:"language"`
	ExpiresAt time.Time `db:"expires_at"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	Role      string    `db:"role"`
	Disabled  bool      `db:"disabled"`
	// InvitedBy is the name of who sent the invitation, if known.
	InvitedBy string `db:"invited_by"`
	// Events are the titles of the events on which the invited person holds a role.
	Events pq.StringArray `db:"events"`
	// Token is the link's secret.
	Token string `db:"-"`
}

// Usable tells whether the link still works at now, so that its mail is worth sending.
func (m *LinkMail) Usable(now time.Time) bool {
	return !m.Disabled && now.Before(m.ExpiresAt)
}

// LinkDirectory answers the mail worker's questions about the account links its messages carry.
type LinkDirectory struct {
	DB  sqlx.QueryerContext
	Key ManageKey
}

// LinkMails returns what the mails of these links say, by link id. A link that is gone (used or
// replaced) is left out.
func (d LinkDirectory) LinkMails(ctx context.Context, linkIDs []int64) (map[int64]*LinkMail, error) {
	query := `SELECT l.id, l.purpose, l.language, l.expires_at, l.token_salt, u.email, u.name, u.role,
			u.disabled_at IS NOT NULL AS disabled, COALESCE(i.name, '') AS invited_by,
			ARRAY(SELECT e.title FROM event_members m JOIN events e ON e.id = m.event_id
				WHERE m.user_id = u.id ORDER BY e.starts_at, e.id) AS events
		FROM account_links l JOIN users u ON u.id = l.user_id LEFT JOIN users i ON i.id = l.invited_by
		WHERE l.id = ANY($1)`
	var rows []struct {
		LinkMail
		TokenSalt []byte `db:"token_salt"`
	}
	if err := sqlx.SelectContext(ctx, d.DB, &rows, query, pq.Array(linkIDs)); err != nil {
		return nil, fmt.Errorf("auth: link mails: %w", err)
	}
	out := make(map[int64]*LinkMail, len(rows))
	for _, row := range rows {
		m := row.LinkMail
		m.Token = d.Key.LinkToken(row.TokenSalt)
		out[m.LinkID] = &m
	}
	return out, nil
}
