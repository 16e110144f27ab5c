// Package qa holds the live audience questions of an event: asking, voting, moderation, and the
// hub that carries every change to the open pages of every process through PostgreSQL
// LISTEN/NOTIFY. The changes of polls travel the same way: they are numbered in the same
// sequence, and package poll prepares their events (see PollSource).
package qa

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
)

// Statuses of a question.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Limits of what people type.
const (
	MaxTextLen   = 500
	MaxAuthorLen = 100
)

// Question is one audience question as everyone sees it. Own and Voted are about the person
// asking for it.
type Question struct {
	ID          int64     `db:"id" json:"id"`
	EventID     int64     `db:"event_id" json:"-"`
	Text        string    `db:"text" json:"text"`
	AuthorName  string    `db:"author_name" json:"author_name"`
	Participant string    `db:"participant" json:"-"`
	Status      string    `db:"status" json:"status"`
	Answered    bool      `db:"answered" json:"answered"`
	Highlighted bool      `db:"highlighted" json:"highlighted"`
	Votes       int       `db:"votes" json:"votes"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time `db:"updated_at" json:"updated_at"`
	Own         bool      `db:"own" json:"own,omitempty"`
	Voted       bool      `db:"voted" json:"voted,omitempty"`
}

// VisibleTo tells whether the audience sees the question: approved ones, and a person's own
// pending ones.
func (q *Question) VisibleTo(participant string, moderator bool) bool {
	return moderator || q.Status == StatusApproved || (q.Status == StatusPending && q.Participant == participant)
}

const columns = `q.id, q.event_id, q.text, q.author_name, q.participant, q.status, q.answered,
	q.highlighted, q.votes, q.created_at, q.updated_at`

// checkText trims a question and checks its length and that it is text that can be stored:
// valid UTF-8, no control characters other than line breaks.
func checkText(v *domain.ValidationError, field, s string, min, max int) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !v.CheckText(field, s) {
		return s
	}
	switch n := utf8.RuneCountInString(s); {
	case n < min:
		v.Problem(field, "required", nil, "is required")
	case n > max:
		v.Problem(field, "too_long", domain.Params{"Max": max}, fmt.Sprintf("must be at most %d characters", max))
	}
	return s
}

// Ask stores a question. With moderation on it waits for a moderator; otherwise it is approved
// at once. Asking is open while the event is published.
func Ask(ctx context.Context, pool *sqlx.DB, e *event.Event, participant, text, author string) (*Question, error) {
	v := &domain.ValidationError{}
	text = checkText(v, "text", text, 1, MaxTextLen)
	author = checkText(v, "author_name", author, 0, MaxAuthorLen)
	if strings.Contains(author, "\n") {
		v.Problem("author_name", "one_line", nil, "must be on one line")
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	if e.Status != event.StatusPublished {
		return nil, &domain.ConflictError{Code: "questions_closed", Message: "questions can be asked only for a published event"}
	}
	status := StatusApproved
	if e.Moderation {
		status = StatusPending
	}
	var q Question
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		query := `INSERT INTO questions AS q (event_id, text, author_name, participant, status)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING ` + columns + `, true AS own, false AS voted`
		if err := sqlx.GetContext(ctx, tx, &q, query, e.ID, text, author, participant, status); err != nil {
			return fmt.Errorf("qa: ask: %w", err)
		}
		return publish(ctx, tx, e.ID, "created", q.ID)
	})
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// ListOptions chooses which questions a list shows and in which order.
type ListOptions struct {
	Status      string // "" for the audience: approved ones and the participant's own pending ones
	Sort        string // "top" (votes, then oldest) or "new"
	Participant string
}

// maxList bounds a list; an event with more questions than this has other problems.
const maxList = 1000

// List returns an event's questions.
func List(ctx context.Context, q sqlx.QueryerContext, eventID int64, opt ListOptions) ([]Question, error) {
	order := `q.votes DESC, q.created_at, q.id`
	if opt.Sort == "new" {
		order = `q.created_at DESC, q.id DESC`
	}
	query := `SELECT ` + columns + `, q.participant = $3 AS own,
			EXISTS (SELECT 1 FROM question_votes v WHERE v.question_id = q.id AND v.participant = $3) AS voted
		FROM questions q
		WHERE q.event_id = $1 AND (
			($2 = '' AND (q.status = 'approved' OR (q.status = 'pending' AND q.participant = $3)))
			OR q.status = $2)
		ORDER BY q.highlighted DESC, ` + order + `
		LIMIT ` + fmt.Sprint(maxList)
	out := []Question{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, opt.Status, opt.Participant); err != nil {
		return nil, fmt.Errorf("qa: list: %w", err)
	}
	return out, nil
}

// Highlighted returns the event's highlighted question, or nil.
func Highlighted(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Question, error) {
	var out []Question
	query := `SELECT ` + columns + `, false AS own, false AS voted FROM questions q
		WHERE q.event_id = $1 AND q.highlighted AND q.status = 'approved'`
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID); err != nil {
		return nil, fmt.Errorf("qa: highlighted: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// Vote counts the participant's vote for an approved question of a published event, once; voting
// again changes nothing. Unvote takes it back.
//
// e may be a copy up to a second old (see event.Cache): the statement checks that the event is
// still published, and a vote that finds it no longer is gets votes_closed as well.
func Vote(ctx context.Context, pool *sqlx.DB, e *event.Event, questionID int64, participant string, up bool) (*Question, error) {
	closed := &domain.ConflictError{Code: "votes_closed", Message: "votes count only for a published event"}
	if e.Status != event.StatusPublished {
		return nil, closed
	}
	eventID := e.ID
	// One statement records the vote and counts it, or finds it recorded already: while an
	// audience votes, the question's row is locked for that statement and the change's number.
	change := `INSERT INTO question_votes (question_id, participant) SELECT id, $3 FROM target
			ON CONFLICT DO NOTHING RETURNING question_id`
	delta := 1
	if !up {
		change = `DELETE FROM question_votes v USING target
			WHERE v.question_id = target.id AND v.participant = $3 RETURNING v.question_id`
		delta = -1
	}
	// The vote's change is published in the same statement, after the count (see publishing):
	// one round trip, the question's row then the event's change counter locked to its end.
	query := `WITH target AS (
			SELECT q.id FROM questions q JOIN events e ON e.id = q.event_id
			WHERE q.id = $1 AND q.event_id = $2 AND q.status = 'approved' AND e.status = 'published'
		), changed AS (` + change + `
		), counted AS (
			UPDATE questions AS q SET votes = votes + $4 FROM changed WHERE q.id = changed.question_id
			RETURNING ` + columns + `, true AS counted
		), ` + publishing("$2::bigint", "(SELECT id, 1 AS n FROM counted)", "updated") + `
		SELECT ` + strings.ReplaceAll(columns, "q.", "c.") + `, c.counted FROM counted c
		WHERE (SELECT count(*) FROM notified) >= 0
		UNION ALL
		SELECT ` + columns + `, false FROM questions q
		WHERE q.id IN (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM counted)`
	var row struct {
		Question
		Counted bool `db:"counted"`
	}
	err := db.Retry(func() error {
		return db.Get(ctx, pool, &row, query, questionID, eventID, participant, delta)
	})
	if errors.Is(err, sql.ErrNoRows) {
		var status string
		if err := db.Get(ctx, pool, &status, `SELECT status FROM events WHERE id = $1`, eventID); err == nil && status != event.StatusPublished {
			return nil, closed
		}
	}
	if err != nil {
		return nil, notFound(err)
	}
	out := row.Question
	out.Voted, out.Own = up, out.Participant == participant
	return &out, nil
}
