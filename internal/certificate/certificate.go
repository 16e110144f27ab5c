// Package certificate issues attendance certificates (Teilnahmebescheinigungen): after an event,
// each registration marked attended gets one, as a PDF fit for a personnel file, with a
// verification code whose page confirms that it is genuine.
package certificate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// ErrNotYet is the answer for a registration without a certificate: not attended, erased, or
// the event has not ended (or was cancelled).
var ErrNotYet = &domain.ConflictError{Code: "no_certificate", Message: "a certificate is issued after the event, to those who attended it"}

// Certificate is what a certificate says.
type Certificate struct {
	Code           string
	RegistrationID int64
	Name           string
	IssuedAt       time.Time
	Event          *event.Event
	Agenda         []panel.AgendaItem
}

// codeGroups and codeGroupLen shape the verification code: 20 characters of crypto/rand's base32
// alphabet, 100 bits, in groups of five, so that it can be read out and typed, but not guessed.
const (
	codeGroups   = 4
	codeGroupLen = 5
)

func newCode() string {
	raw := rand.Text()[:codeGroups*codeGroupLen]
	groups := make([]string, codeGroups)
	for i := range groups {
		groups[i] = raw[i*codeGroupLen : (i+1)*codeGroupLen]
	}
	return strings.Join(groups, "-")
}

// NormalizeCode reads a code as a person may type it: in any case, with or without dashes or
// spaces.
func NormalizeCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != codeGroups*codeGroupLen {
		return ""
	}
	groups := make([]string, codeGroups)
	for i := range groups {
		groups[i] = s[i*codeGroupLen : (i+1)*codeGroupLen]
	}
	return strings.Join(groups, "-")
}

// eligible chooses the registrations that have a certificate: attended, not erased, of an event
// that took place and has ended.
const eligible = `r.attended AND r.erased_at IS NULL AND e.status = 'published' AND e.ends_at <= $2`

// Issue returns the certificate of a registration, issuing it the first time.
func Issue(ctx context.Context, pool *sqlx.DB, registrationID int64, now time.Time) (*Certificate, error) {
	query := `WITH chosen AS (
			SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.id = $1 AND ` + eligible + `
		), issued AS (
			INSERT INTO certificates (registration_id, code, issued_at) SELECT id, $3, $2 FROM chosen
			ON CONFLICT (registration_id) DO NOTHING
		)
		SELECT count(*) FROM chosen`
	var n int
	if err := pool.GetContext(ctx, &n, query, registrationID, now, newCode()); err != nil {
		return nil, fmt.Errorf("certificate: issue: %w", err)
	}
	if n == 0 {
		return nil, ErrNotYet
	}
	return load(ctx, pool, `c.registration_id = $1`, registrationID)
}

// IssueAll issues the certificates of every attendee of an event that has ended, and returns
// them in the order people registered.
func IssueAll(ctx context.Context, pool *sqlx.DB, e *event.Event, now time.Time) ([]*Certificate, error) {
	var ids []int64
	query := `SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE r.event_id = $1 AND ` + eligible + ` ORDER BY r.id`
	if err := pool.SelectContext(ctx, &ids, query, e.ID, now); err != nil {
		return nil, fmt.Errorf("certificate: attendees: %w", err)
	}
	out := make([]*Certificate, 0, len(ids))
	for _, id := range ids {
		c, err := Issue(ctx, pool, id, now)
		if errors.Is(err, ErrNotYet) {
			continue // erased or changed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ByCode is the certificate a verification code belongs to; domain.ErrNotFound for none.
func ByCode(ctx context.Context, pool *sqlx.DB, code string) (*Certificate, error) {
	if code = NormalizeCode(code); code == "" {
		return nil, domain.ErrNotFound
	}
	return load(ctx, pool, `c.code = $1`, code)
}

func load(ctx context.Context, pool *sqlx.DB, filter string, arg any) (*Certificate, error) {
	var row struct {
		Code           string    `db:"code"`
		RegistrationID int64     `db:"registration_id"`
		Name           string    `db:"name"`
		IssuedAt       time.Time `db:"issued_at"`
		EventID        int64     `db:"event_id"`
	}
	query := `SELECT c.code, c.registration_id, r.name, c.issued_at, r.event_id
		FROM certificates c JOIN registrations r ON r.id = c.registration_id
		WHERE ` + filter + ` AND r.erased_at IS NULL`
	err := pool.GetContext(ctx, &row, query, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("certificate: load: %w", err)
	}
	e, err := event.ByID(ctx, pool, row.EventID)
	if err != nil {
		return nil, err
	}
	agenda, err := panel.Agenda(ctx, pool, e.ID)
	if err != nil {
		return nil, err
	}
	return &Certificate{Code: row.Code, RegistrationID: row.RegistrationID, Name: row.Name, IssuedAt: row.IssuedAt,
		Event: e, Agenda: agenda}, nil
}
