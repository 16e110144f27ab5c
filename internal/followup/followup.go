// Package followup is the mail after an event: once the event has ended, its organizer sends
// everyone who attended one thank-you mail, with what they choose to include: the link to the
// attendance certificate, the results of the live polls, and a short survey.
package followup

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/poll"
)

// Options are what the organizer includes in the mail.
type Options struct {
	Certificates bool `db:"certificates" json:"certificates"`
	PollResults  bool `db:"poll_results" json:"poll_results"`
	Feedback     bool `db:"feedback" json:"feedback"`
	// Questions are the organizer's own, asked in the survey after its two.
	Questions Questions `db:"questions" json:"questions"`
}

// Limits of the organizer's survey questions.
const (
	MaxQuestions     = 5
	MaxQuestionLabel = 200
)

// Kinds of survey question: a rating from 1 to 5, or a free text.
const (
	KindRating = "rating"
	KindText   = "text"
)

// Question is one of the organizer's survey questions.
type Question struct {
	Label string `json:"label"`
	Kind  string `json:"kind"`
}

// Questions are stored as JSON.
type Questions []Question

// Value writes the questions as JSON for the database.
func (q Questions) Value() (driver.Value, error) {
	if q == nil {
		q = Questions{}
	}
	b, err := json.Marshal(q)
	return string(b), err
}

// Scan reads the questions from the database's JSON.
func (q *Questions) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("followup: questions from %T", src)
	}
	return json.Unmarshal(b, q)
}

// validate checks the options, naming each field at fault.
func (o *Options) validate() error {
	v := &domain.ValidationError{}
	if !o.Certificates && !o.PollResults && !o.Feedback {
		v.Problem("certificates", "nothing_chosen", nil, "choose at least one of certificates, poll_results and feedback")
	}
	if len(o.Questions) > 0 && !o.Feedback {
		v.Problem("questions", "needs_other", domain.Params{"Other": "feedback"}, "questions are asked in the survey: set feedback too")
	}
	if len(o.Questions) > MaxQuestions {
		v.Problem("questions", "too_many", domain.Params{"Max": MaxQuestions}, fmt.Sprintf("at most %d questions", MaxQuestions))
	}
	for i := range o.Questions {
		q := &o.Questions[i]
		q.Label = strings.TrimSpace(q.Label)
		field := fmt.Sprintf("questions[%d]", i)
		if q.Label == "" || utf8.RuneCountInString(q.Label) > MaxQuestionLabel {
			v.Problem(field+".label", "length_range", domain.Params{"Min": 1, "Max": MaxQuestionLabel}, fmt.Sprintf("must be 1 to %d characters", MaxQuestionLabel))
		}
		if q.Kind != KindRating && q.Kind != KindText {
			v.Problem(field+".kind", "one_of", domain.Params{"Values": "rating, text"}, "must be rating or text")
		}
	}
	return v.OrNil()
}

// Followup is the mail of an event as it was sent: its options, to how many, and when.
type Followup struct {
	Options
	Recipients int       `db:"recipients" json:"recipients"`
	SentAt     time.Time `db:"sent_at" json:"sent_at"`
	// Polls are the results the mail shows, when it shows them: the polls that were run (not
	// drafts), counted now.
	Polls []PollSummary `db:"-" json:"-"`
}

// PollSummary is a poll's results in lines of text, for a mail.
type PollSummary struct {
	Question string
	Lines    []string
}

var (
	errNotEnded   = &domain.ConflictError{Code: "followup_too_early", Message: "the mail after the event can be sent once the event has ended"}
	errAlreadySet = &domain.ConflictError{Code: "followup_sent", Message: "the mail after this event has been sent already"}
	errNobody     = &domain.ConflictError{Code: "followup_nobody", Message: "nobody is marked as attended, so there is no one to send the mail to"}
	errNothing    = &domain.ValidationError{}
)

func init() {
	errNothing.Problem("certificates", "nothing_chosen", nil, "choose at least one of certificates, poll_results and feedback")
}

// Send queues the mail to everyone marked attended, once per event.
func Send(ctx context.Context, pool *sqlx.DB, e *event.Event, opt Options, now time.Time) (*Followup, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if e.Status != event.StatusPublished || now.Before(e.EndsAt) {
		return nil, errNotEnded
	}
	var f Followup
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		attendees := `SELECT id AS registration_id FROM registrations WHERE event_id = $1 AND attended AND erased_at IS NULL`
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM (`+attendees+`) a`, e.ID); err != nil {
			return err
		}
		if n == 0 {
			return errNobody
		}
		err := tx.GetContext(ctx, &f, `INSERT INTO event_followups (event_id, certificates, poll_results, feedback, questions, recipients, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING
			RETURNING certificates, poll_results, feedback, questions, recipients, sent_at`,
			e.ID, opt.Certificates, opt.PollResults, opt.Feedback, opt.Questions, n, now)
		if errors.Is(err, sql.ErrNoRows) {
			return errAlreadySet
		}
		if err != nil {
			return err
		}
		return outbox.EnqueueEach(ctx, tx, outbox.KindFollowup, "", outbox.Query{SQL: attendees, Args: []any{e.ID}})
	})
	if err != nil {
		return nil, fmt.Errorf("followup: send: %w", err)
	}
	return &f, nil
}

// Of returns the mail of an event, or nil when it has not been sent.
func Of(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Followup, error) {
	var f Followup
	err := sqlx.GetContext(ctx, q, &f, `SELECT certificates, poll_results, feedback, questions, recipients, sent_at
		FROM event_followups WHERE event_id = $1`, eventID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("followup: %w", err)
	}
	return &f, nil
}

// Load is Of with the polls' results as the mail shows them, in German or English words.
func Load(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Followup, error) {
	f, err := Of(ctx, q, eventID)
	if err != nil || f == nil || !f.PollResults {
		return f, err
	}
	polls, err := poll.List(ctx, q, eventID, false)
	if err != nil {
		return nil, err
	}
	results, err := poll.ResultsOf(ctx, q, polls)
	if err != nil {
		return nil, err
	}
	for _, p := range polls {
		if r := results[p.ID]; r != nil && r.Participants > 0 {
			f.Polls = append(f.Polls, summarize(p, r))
		}
	}
	return f, nil
}

// summarize writes a poll's results as lines: each choice (or the most frequent words) with
// its count and share of the participants.
func summarize(p poll.Poll, r *poll.Results) PollSummary {
	s := PollSummary{Question: p.Question}
	counts := r.Options
	if p.Kind == poll.KindText {
		counts = r.Words
		if len(counts) > 10 {
			counts = counts[:10]
		}
	}
	for _, c := range counts {
		s.Lines = append(s.Lines, fmt.Sprintf("%s: %d (%d %%)", c.Label, c.Count, int(math.Round(c.Percent))))
	}
	if r.Average != nil {
		s.Lines = append(s.Lines, fmt.Sprintf("Ø %s", strings.Replace(fmt.Sprintf("%.1f", *r.Average), ".", ",", 1)))
	}
	s.Lines = append(s.Lines, fmt.Sprintf("n = %d", r.Participants))
	return s
}
