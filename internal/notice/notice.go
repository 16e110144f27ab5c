// Package notice is what an event's organizers write to a group of its attendees: everyone
// with a seat, everyone waiting, or everyone who attended ("the link has changed", "please bring
// your ID"). A notice is about the person's registration, so it goes to everyone in the group,
// like the other mails about a registration, through the outbox. The organizers' words go out
// as typed, framed by the greeting, the event's facts and the links of each recipient's own
// registration, in the recipient's language.
package notice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
)

// Limits of a notice. The text is a message, not a newsletter; the daily number keeps the
// people registered from being written to more often than an event can need, and a mistake
// from reaching them over and over.
const (
	MaxSubject = 150
	MaxText    = 5000
	MaxPerDay  = 5
	// Window is the time over which MaxPerDay counts, back from the moment of sending.
	Window = 24 * time.Hour
)

// Input is a notice as an organizer writes it.
type Input struct {
	Group   string // registration.GroupConfirmed, GroupWaitlisted or GroupAttended
	Subject string
	Text    string
}

// Notice is a notice as it was sent.
type Notice struct {
	ID         int64     `db:"id" json:"id"`
	EventID    int64     `db:"event_id" json:"-"`
	Group      string    `db:"recipient_group" json:"group"`
	Subject    string    `db:"subject" json:"subject"`
	Text       string    `db:"body" json:"text"`
	Recipients int       `db:"recipients" json:"recipients"`
	SentAt     time.Time `db:"sent_at" json:"sent_at"`
}

const columns = `id, event_id, recipient_group, subject, body, recipients, sent_at`

var (
	errNobody = &domain.ConflictError{Code: "notice_nobody", Field: "group", Message: "nobody is in this group, so there is no one to send the message to"}
	errLimit  = &domain.ConflictError{Code: "notice_limit", Params: domain.Params{"Max": MaxPerDay},
		Message: fmt.Sprintf("an event sends at most %d messages in 24 hours; try again later", MaxPerDay)}
)

// Validate checks the input, naming each field at fault, and tidies it: the subject is one
// trimmed line, the text keeps its lines (\r\n becomes \n) without blank lines around it.
func (in *Input) Validate() error {
	in.Subject = strings.TrimSpace(in.Subject)
	in.Text = strings.Trim(strings.ReplaceAll(in.Text, "\r\n", "\n"), " \t\n")
	v := &domain.ValidationError{}
	if !registration.IsGroup(in.Group) {
		v.Problem("group", "one_of", domain.Params{"Values": "confirmed, waitlisted, attended"}, "must be confirmed, waitlisted or attended")
	}
	if v.CheckLine("subject", in.Subject) {
		checkLength(v, "subject", in.Subject, MaxSubject)
	}
	if v.CheckText("text", in.Text) {
		checkLength(v, "text", in.Text, MaxText)
	}
	return v.OrNil()
}

func checkLength(v *domain.ValidationError, field, s string, most int) {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		v.Problem(field, "required", nil, "is required")
	case n > most:
		v.Problem(field, "too_long", domain.Params{"Max": most}, fmt.Sprintf("must be at most %d characters long", most))
	}
}

// Audience counts the people a notice to group would reach now, by the language their mail is
// written in.
func Audience(ctx context.Context, q sqlx.QueryerContext, eventID int64, group string) (map[string]int, error) {
	return registration.GroupLanguages(ctx, q, eventID, group)
}

// Send records a notice and queues its mail to everyone in its group, in one transaction. It is
// refused when the group is empty, and when the event has sent MaxPerDay notices within Window
// before now.
func Send(ctx context.Context, pool *sqlx.DB, e *event.Event, in Input, now time.Time) (*Notice, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var n Notice
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		// Two organizers sending at once must not both pass the count: the event's notices are
		// decided one at a time. A lock of its own, so that registrations never wait for it.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('podium.notice', $1))`, e.ID); err != nil {
			return fmt.Errorf("notice: lock: %w", err)
		}
		var recent int
		if err := tx.GetContext(ctx, &recent, `SELECT count(*) FROM notices WHERE event_id = $1 AND sent_at > $2`, e.ID, now.Add(-Window)); err != nil {
			return fmt.Errorf("notice: count: %w", err)
		}
		if recent >= MaxPerDay {
			return errLimit
		}
		query := `INSERT INTO notices (event_id, recipient_group, subject, body, recipients, sent_at)
			VALUES ($1, $2, $3, $4, 0, $5) RETURNING ` + columns
		if err := tx.GetContext(ctx, &n, query, e.ID, in.Group, in.Subject, in.Text, now); err != nil {
			return fmt.Errorf("notice: record: %w", err)
		}
		queued, err := outbox.EnqueueNotice(ctx, tx, n.ID, registration.InGroup(e.ID, in.Group))
		if err != nil {
			return err
		}
		if queued == 0 {
			return errNobody
		}
		n.Recipients = int(queued)
		_, err = tx.ExecContext(ctx, `UPDATE notices SET recipients = $2 WHERE id = $1`, n.ID, n.Recipients)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// List returns the event's notices, newest first, at most limit.
func List(ctx context.Context, q sqlx.QueryerContext, eventID int64, limit int) ([]Notice, error) {
	out := []Notice{}
	query := `SELECT ` + columns + ` FROM notices WHERE event_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2`
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, limit); err != nil {
		return nil, fmt.Errorf("notice: list: %w", err)
	}
	return out, nil
}

// ByID returns a notice, or domain.ErrNotFound.
func ByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Notice, error) {
	var n Notice
	err := sqlx.GetContext(ctx, q, &n, `SELECT `+columns+` FROM notices WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("notice: %w", err)
	}
	return &n, nil
}

// StillFor tells whether the notice still goes to someone whose registration has status now:
// a notice to the people with a seat or on the waitlist is not for someone who cancelled since;
// one to the people who attended is, since they did.
func (n *Notice) StillFor(status string) bool {
	return n.Group == registration.GroupAttended || status != registration.StatusCancelled
}
