package registration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/event"
)

// Disclosure is everything Podium holds about one registration, as its holder downloads it from
// their manage link: the answer to a request for access (DSGVO Art. 15) in a form another
// service can read (Art. 20).
type Disclosure struct {
	ExportedAt   time.Time       `json:"exported_at"`
	Registration *Registration   `json:"registration"`
	Event        DisclosedEvent  `json:"event"`
	Consent      *DisclosedText  `json:"consent"`
	Mails        []DisclosedMail `json:"mails"`
	Certificate  *DisclosedCert  `json:"certificate"`
	// Joins are the moments the person entered the meeting through their join link.
	Joins []time.Time `json:"joins"`
	// FeedbackGiven tells that the person answered the survey after the event; what they
	// answered is kept apart from them, so it is not theirs to download.
	FeedbackGiven bool             `json:"feedback_given"`
	Retention     DisclosedErasure `json:"retention"`
}

// DisclosedCert is the attendance certificate issued to the person.
type DisclosedCert struct {
	Code     string    `db:"code" json:"verification_code"`
	IssuedAt time.Time `db:"issued_at" json:"issued_at"`
}

// DisclosedEvent is the event registered for.
type DisclosedEvent struct {
	Slug     string    `json:"slug"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	TimeZone string    `json:"timezone"`
}

// DisclosedText is the consent the person gave: the texts of the version they accepted, in
// the language they registered in, and the privacy statement they could read then.
type DisclosedText struct {
	Version          string    `db:"version" json:"version"`
	Text             string    `db:"text" json:"text"`
	PrivacyStatement string    `db:"privacy_statement" json:"privacy_statement"`
	FirstUsedAt      time.Time `db:"first_used_at" json:"in_use_since"`
}

// DisclosedMail is one message Podium wrote to the person: what kind, and when it was queued
// and sent.
type DisclosedMail struct {
	Kind      string     `db:"kind" json:"kind"`
	Status    string     `db:"status" json:"status"`
	QueuedAt  time.Time  `db:"queued_at" json:"queued_at"`
	SentAt    *time.Time `db:"sent_at" json:"sent_at"`
	MessageID string     `db:"message_id" json:"message_id"`
}

// DisclosedErasure says when the personal data goes at the latest.
type DisclosedErasure struct {
	Days        int       `json:"days_after_event"`
	ErasedAfter time.Time `json:"erased_after"`
}

// Disclose gathers what Podium holds about the registration of token. An erased registration
// has nothing left to disclose: its link no longer works.
func Disclose(ctx context.Context, q sqlx.QueryerContext, token string, retentionDays int, now time.Time) (*Disclosure, error) {
	r, err := ByToken(ctx, q, token)
	if err != nil {
		return nil, err
	}
	e, err := event.ByID(ctx, q, r.EventID)
	if err != nil {
		return nil, err
	}
	d := &Disclosure{ExportedAt: now.UTC(), Registration: r, Mails: []DisclosedMail{},
		Event:     DisclosedEvent{Slug: e.Slug, Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.Timezone},
		Retention: DisclosedErasure{Days: retentionDays, ErasedAfter: e.EndsAt.AddDate(0, 0, retentionDays).UTC()}}
	if r.ConsentVersion != nil {
		var t DisclosedText
		err := sqlx.GetContext(ctx, q, &t, `SELECT version, CASE WHEN $2 = 'en' THEN consent_en ELSE consent_de END AS text,
				privacy_statement, first_used_at FROM consent_texts WHERE version = $1`, *r.ConsentVersion, r.Language)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("registration: consent texts: %w", err)
		}
		if err == nil {
			d.Consent = &t
		}
	}
	var cert DisclosedCert
	err = sqlx.GetContext(ctx, q, &cert, `SELECT code, issued_at FROM certificates WHERE registration_id = $1`, r.ID)
	switch {
	case err == nil:
		d.Certificate = &cert
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("registration: certificate: %w", err)
	}
	d.Joins = []time.Time{}
	if err := sqlx.SelectContext(ctx, q, &d.Joins, `SELECT joined_at FROM registration_joins WHERE registration_id = $1 ORDER BY joined_at`, r.ID); err != nil {
		return nil, fmt.Errorf("registration: joins: %w", err)
	}
	err = sqlx.GetContext(ctx, q, &d.FeedbackGiven, `SELECT EXISTS (SELECT 1 FROM feedback_given WHERE registration_id = $1)`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("registration: feedback: %w", err)
	}
	err = sqlx.SelectContext(ctx, q, &d.Mails, `SELECT kind, status, created_at AS queued_at, sent_at, message_id::text AS message_id
		FROM outbox WHERE registration_id = $1 ORDER BY created_at, id`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("registration: mails: %w", err)
	}
	return d, nil
}
