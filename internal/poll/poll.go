// Package poll holds the live polls of an event: organizers prepare them, moderators open,
// close, show their results and put them on the presenter screen, and the audience answers
// anonymously, once per person, changeable while the poll is open. Every change travels on the
// event's live stream (package qa numbers it and carries the bytes this package prepares).
package poll

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/qa"
)

// Kinds of poll.
const (
	KindSingle   = "single"   // one of 2–10 options
	KindMultiple = "multiple" // any of 2–10 options
	KindRating   = "rating"   // a number from 1 to 5 or 1 to 10
	KindText     = "text"     // a short free text; results are a word list
)

// States of a poll. A draft is seen by moderators only; open polls take answers; closed ones
// keep them. A poll never goes back to draft once the audience has seen it.
const (
	StateDraft  = "draft"
	StateOpen   = "open"
	StateClosed = "closed"
)

// Limits of what organizers type.
const (
	MaxQuestionLen    = 300
	MaxExplanationLen = 1000
	MinOptions        = 2
	MaxOptions        = 10
	MaxOptionLen      = 200
	// MaxPolls bounds the polls of one event; a session has a handful.
	MaxPolls = 50
)

// Poll is one poll as everyone who may see it sees it.
type Poll struct {
	ID             int64          `db:"id" json:"id"`
	EventID        int64          `db:"event_id" json:"-"`
	Kind           string         `db:"kind" json:"kind"`
	Question       string         `db:"question" json:"question"`
	Explanation    string         `db:"explanation" json:"explanation"`
	Options        pq.StringArray `db:"options" json:"options"`
	Scale          int            `db:"scale" json:"scale,omitempty"`
	State          string         `db:"state" json:"state"`
	ResultsVisible bool           `db:"results_visible" json:"results_visible"`
	OnPresenter    bool           `db:"on_presenter" json:"on_presenter"`
	CreatedAt      time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at" json:"updated_at"`
}

// Choices are the answers a participant picks from: the options, or for a rating the numbers
// of its scale.
func (p Poll) Choices() []string {
	if p.Kind != KindRating {
		return p.Options
	}
	out := make([]string, p.Scale)
	for i := range out {
		out[i] = fmt.Sprint(i + 1)
	}
	return out
}

// Public tells whether the audience sees the poll.
func (p Poll) Public() bool { return p.State != StateDraft }

const columns = `p.id, p.event_id, p.kind, p.question, p.explanation, p.options, p.scale, p.state,
	p.results_visible, p.on_presenter, p.created_at, p.updated_at`

// Input is a poll as an organizer prepares it.
type Input struct {
	Kind        string
	Question    string
	Explanation string
	Options     []string
	Scale       int
}

// check trims the input and reports every invalid field.
func (in *Input) check() error {
	v := &domain.ValidationError{}
	in.Question = checkText(v, "question", in.Question, 1, MaxQuestionLen)
	in.Explanation = checkText(v, "explanation", in.Explanation, 0, MaxExplanationLen)
	switch in.Kind {
	case KindSingle, KindMultiple:
		if in.Scale != 0 {
			v.Problem("scale", "not_for_kind", nil, "is only for rating polls")
		}
		if len(in.Options) < MinOptions || len(in.Options) > MaxOptions {
			v.Problem("options", "count_range", domain.Params{"Min": MinOptions, "Max": MaxOptions}, fmt.Sprintf("must list %d to %d options", MinOptions, MaxOptions))
		}
		seen := map[string]bool{}
		// The caller's list stays as it was: the trimmed options go into a copy.
		in.Options = append([]string(nil), in.Options...)
		for i, o := range in.Options {
			field := fmt.Sprintf("options[%d]", i)
			o = checkText(v, field, o, 1, MaxOptionLen)
			if strings.Contains(o, "\n") && !v.Has(field) {
				v.Problem(field, "one_line", nil, "must be on one line")
			}
			if seen[strings.ToLower(o)] && !v.Has(field) {
				v.Problem(field, "duplicate", nil, "is listed twice")
			}
			seen[strings.ToLower(o)] = true
			in.Options[i] = o
		}
	case KindRating:
		if in.Scale != 5 && in.Scale != 10 {
			v.Problem("scale", "one_of", domain.Params{"Values": "5, 10"}, "must be 5 or 10")
		}
		if len(in.Options) > 0 {
			v.Problem("options", "not_for_kind", nil, "are only for single and multiple choice polls")
		}
	case KindText:
		if in.Scale != 0 {
			v.Problem("scale", "not_for_kind", nil, "is only for rating polls")
		}
		if len(in.Options) > 0 {
			v.Problem("options", "not_for_kind", nil, "are only for single and multiple choice polls")
		}
	default:
		v.Problem("kind", "one_of", domain.Params{"Values": "single, multiple, rating, text"}, "must be single, multiple, rating or text")
	}
	if in.Options == nil {
		in.Options = []string{}
	}
	return v.OrNil()
}

// checkText trims s and checks that it is storable text of min to max characters.
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

// Create prepares a poll as a draft. Moderators see it at once; the audience when it opens.
func Create(ctx context.Context, pool *sqlx.DB, eventID int64, in Input) (*Poll, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var p Poll
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		// The count and the insert are serialised per event, so MaxPolls holds under races.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('podium.poll', $1))`, eventID); err != nil {
			return fmt.Errorf("poll: create: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM polls WHERE event_id = $1`, eventID); err != nil {
			return fmt.Errorf("poll: create: %w", err)
		}
		if n >= MaxPolls {
			return &domain.ConflictError{Code: "too_many_polls", Message: fmt.Sprintf("an event has at most %d polls", MaxPolls)}
		}
		query := `INSERT INTO polls AS p (event_id, kind, question, explanation, options, scale)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING ` + columns
		if err := tx.GetContext(ctx, &p, query, eventID, in.Kind, in.Question, in.Explanation, pq.StringArray(in.Options), in.Scale); err != nil {
			return fmt.Errorf("poll: create: %w", err)
		}
		return qa.PublishPolls(ctx, tx, eventID, "created", p.ID)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// List returns an event's polls in the order they were prepared; drafts only when withDrafts.
func List(ctx context.Context, q sqlx.QueryerContext, eventID int64, withDrafts bool) ([]Poll, error) {
	query := `SELECT ` + columns + ` FROM polls p
		WHERE p.event_id = $1 AND ($2 OR p.state <> 'draft')
		ORDER BY p.id`
	out := []Poll{}
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID, withDrafts); err != nil {
		return nil, fmt.Errorf("poll: list: %w", err)
	}
	return out, nil
}

// Get returns one poll of the event; a draft only when withDrafts.
func Get(ctx context.Context, q sqlx.QueryerContext, eventID, pollID int64, withDrafts bool) (*Poll, error) {
	var p Poll
	query := `SELECT ` + columns + ` FROM polls p
		WHERE p.id = $1 AND p.event_id = $2 AND ($3 OR p.state <> 'draft')`
	if err := sqlx.GetContext(ctx, q, &p, query, pollID, eventID, withDrafts); err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// Change is a moderator's change of a poll; nil fields stay as they are. Question, Explanation
// and Options may change only while the poll is a draft.
type Change struct {
	State          *string
	ResultsVisible *bool
	OnPresenter    *bool
	Question       *string
	Explanation    *string
	Options        *[]string
}

// Update applies a moderator's change. Putting a poll on the presenter screen takes it from any
// other poll of the event; a draft cannot go there, nor back to draft once opened.
func Update(ctx context.Context, pool *sqlx.DB, eventID, pollID int64, ch Change) (*Poll, error) {
	if ch.State != nil && *ch.State != StateDraft && *ch.State != StateOpen && *ch.State != StateClosed {
		v := &domain.ValidationError{}
		v.Problem("state", "one_of", domain.Params{"Values": "draft, open, closed"}, "must be draft, open or closed")
		return nil, v
	}
	var out Poll
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		// One change of an event's polls at a time, so concurrent "on presenter" clicks end with
		// exactly one; then the poll's row, then the change counter, as answers take them.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('podium.poll', $1))`, eventID); err != nil {
			return fmt.Errorf("poll: update: %w", err)
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+columns+` FROM polls p WHERE p.id = $1 AND p.event_id = $2 FOR UPDATE`, pollID, eventID); err != nil {
			return notFound(err)
		}
		next, err := apply(out, ch)
		if err != nil {
			return err
		}
		changed := []int64{pollID}
		if next.OnPresenter && !out.OnPresenter {
			var others []int64
			err := tx.SelectContext(ctx, &others, `UPDATE polls SET on_presenter = false, updated_at = now()
				WHERE event_id = $1 AND on_presenter AND id <> $2 RETURNING id`, eventID, pollID)
			if err != nil {
				return fmt.Errorf("poll: update: %w", err)
			}
			changed = append(others, pollID)
		}
		query := `UPDATE polls AS p SET state = $2, results_visible = $3, on_presenter = $4, question = $5,
				explanation = $6, options = $7, updated_at = now()
			WHERE p.id = $1
			RETURNING ` + columns
		if err := tx.GetContext(ctx, &out, query, pollID, next.State, next.ResultsVisible, next.OnPresenter,
			next.Question, next.Explanation, next.Options); err != nil {
			return fmt.Errorf("poll: update: %w", err)
		}
		return qa.PublishPolls(ctx, tx, eventID, "updated", changed...)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// apply works out a poll after a change, or why the change cannot be made.
func apply(p Poll, ch Change) (Poll, error) {
	if ch.Question != nil || ch.Explanation != nil || ch.Options != nil {
		if p.State != StateDraft {
			return p, &domain.ConflictError{Code: "poll_started", Field: "question", Message: "a poll's text can change only while it is a draft"}
		}
		in := Input{Kind: p.Kind, Question: p.Question, Explanation: p.Explanation, Options: append([]string(nil), p.Options...), Scale: p.Scale}
		if ch.Question != nil {
			in.Question = *ch.Question
		}
		if ch.Explanation != nil {
			in.Explanation = *ch.Explanation
		}
		if ch.Options != nil {
			in.Options = append([]string{}, *ch.Options...)
		}
		if err := in.check(); err != nil {
			return p, err
		}
		p.Question, p.Explanation, p.Options = in.Question, in.Explanation, in.Options
	}
	if ch.State != nil {
		if *ch.State == StateDraft && p.State != StateDraft {
			return p, &domain.ConflictError{Code: "poll_started", Field: "state", Message: "a poll that was opened cannot become a draft again"}
		}
		p.State = *ch.State
	}
	if ch.ResultsVisible != nil {
		p.ResultsVisible = *ch.ResultsVisible
	}
	if ch.OnPresenter != nil {
		p.OnPresenter = *ch.OnPresenter
	}
	if p.State == StateDraft && (p.OnPresenter || p.ResultsVisible) {
		field := "on_presenter"
		if p.ResultsVisible {
			field = "results_visible"
		}
		return p, &domain.ConflictError{Code: "poll_draft", Field: field, Message: "a draft is not shown to anyone; open the poll first"}
	}
	return p, nil
}

// OnPresenter returns the event's poll on the presenter screen, or nil.
func OnPresenter(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Poll, error) {
	var out []Poll
	query := `SELECT ` + columns + ` FROM polls p WHERE p.event_id = $1 AND p.on_presenter AND p.state <> 'draft'`
	if err := sqlx.SelectContext(ctx, q, &out, query, eventID); err != nil {
		return nil, fmt.Errorf("poll: on presenter: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return fmt.Errorf("poll: %w", err)
}
