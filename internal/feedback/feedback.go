// Package feedback is the short survey after an event: an overall rating from 1 to 5 and what
// the person takes away, answered once per registration and kept without any link to who
// answered.
package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/registration"
)

// MaxTakeaway bounds the free text, as the database does.
const MaxTakeaway = 2000

var (
	// ErrNotAsked: the registration was not asked for feedback (see Asked).
	ErrNotAsked = &domain.ConflictError{Code: "feedback_not_asked", Message: "there is no survey for this registration"}
	errGiven    = &domain.ConflictError{Code: "feedback_given", Message: "this registration has answered the survey already"}
)

// Answer is one person's answer.
type Answer struct {
	Rating   int
	Takeaway string
	// Extra are the answers to the organizer's questions, in their order, as typed or chosen
	// ("" for none: they are optional).
	Extra []string
}

// Asked tells whether the registration is asked for feedback: it attended an event that has
// ended, whose organizer sent the mail after it with the survey. Given tells it answered.
func Asked(ctx context.Context, q sqlx.QueryerContext, r *registration.Registration, e *event.Event, now time.Time) (asked, given bool, err error) {
	if !r.Attended || now.Before(e.EndsAt) {
		return false, false, nil
	}
	f, err := followup.Of(ctx, q, e.ID)
	if err != nil || f == nil || !f.Feedback {
		return false, false, err
	}
	err = sqlx.GetContext(ctx, q, &given, `SELECT EXISTS (SELECT 1 FROM feedback_given WHERE registration_id = $1)`, r.ID)
	if err != nil {
		return false, false, fmt.Errorf("feedback: %w", err)
	}
	return true, given, nil
}

// Submit records the answer of a registration that was asked, once.
func Submit(ctx context.Context, pool *sqlx.DB, r *registration.Registration, e *event.Event, a Answer, now time.Time) error {
	v := &domain.ValidationError{}
	if a.Rating < 1 || a.Rating > 5 {
		v.Problem("rating", "out_of_range", domain.Params{"Min": 1, "Max": 5}, "must be a whole number from 1 to 5")
	}
	a.Takeaway = strings.TrimSpace(a.Takeaway)
	if utf8.RuneCountInString(a.Takeaway) > MaxTakeaway {
		v.Problem("takeaway", "too_long", domain.Params{"Max": MaxTakeaway}, fmt.Sprintf("must be at most %d characters", MaxTakeaway))
	}
	f, err := followup.Of(ctx, pool, e.ID)
	if err != nil {
		return err
	}
	extra := map[string]any{}
	if f != nil {
		for i, q := range f.Questions {
			raw := ""
			if i < len(a.Extra) {
				raw = strings.TrimSpace(a.Extra[i])
			}
			field, key := fmt.Sprintf("questions[%d]", i), strconv.Itoa(i+1)
			switch {
			case raw == "":
			case q.Kind == followup.KindRating:
				n, err := strconv.Atoi(raw)
				if err != nil || n < 1 || n > 5 {
					v.Problem(field, "out_of_range", domain.Params{"Min": 1, "Max": 5}, "must be a whole number from 1 to 5")
				}
				extra[key] = n
			case utf8.RuneCountInString(raw) > MaxTakeaway:
				v.Problem(field, "too_long", domain.Params{"Max": MaxTakeaway}, fmt.Sprintf("must be at most %d characters", MaxTakeaway))
			default:
				extra[key] = raw
			}
		}
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	asked, given, err := Asked(ctx, pool, r, e, now)
	switch {
	case err != nil:
		return err
	case !asked:
		return ErrNotAsked
	case given:
		return errGiven
	}
	return db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO feedback_given (registration_id, event_id) VALUES ($1, $2)
			ON CONFLICT (registration_id) DO NOTHING`, r.ID, e.ID)
		if err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGiven
		}
		answers, _ := json.Marshal(extra)
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback (event_id, rating, takeaway, answers) VALUES ($1, $2, $3, $4)`,
			e.ID, a.Rating, a.Takeaway, string(answers))
		if err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
		return nil
	})
}

// Summary is what organizers see of the answers: how many, the ratings counted, and the free
// texts in alphabetical order, which tells nothing of who wrote them or when.
type Summary struct {
	Answers   int       `json:"answers"`
	Asked     int       `json:"asked"`
	Ratings   [5]int    `json:"ratings"` // Ratings[0] counts the 1s
	Average   *float64  `json:"average"`
	Takeaways []string  `json:"takeaways"`
	SentAt    time.Time `json:"survey_sent_at"`
	// Questions are the organizer's own, each with its answers counted or listed.
	Questions []QuestionSummary `json:"questions"`
}

// QuestionSummary is one of the organizer's questions with what was answered: the ratings
// counted, or the texts in alphabetical order.
type QuestionSummary struct {
	followup.Question
	Answers int      `json:"answers"`
	Ratings *[5]int  `json:"ratings,omitempty"`
	Texts   []string `json:"texts,omitempty"`
}

// SummaryOf counts an event's answers; nil when no survey was sent.
func SummaryOf(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Summary, error) {
	f, err := followup.Of(ctx, q, eventID)
	if err != nil || f == nil || !f.Feedback {
		return nil, err
	}
	s := &Summary{Asked: f.Recipients, SentAt: f.SentAt, Takeaways: []string{}}
	var rows []struct {
		Rating int `db:"rating"`
		N      int `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT rating, count(*) AS n FROM feedback WHERE event_id = $1 GROUP BY rating`, eventID); err != nil {
		return nil, fmt.Errorf("feedback: summary: %w", err)
	}
	sum := 0
	for _, r := range rows {
		s.Ratings[r.Rating-1] = r.N
		s.Answers += r.N
		sum += r.Rating * r.N
	}
	if s.Answers > 0 {
		avg := float64(sum) / float64(s.Answers)
		s.Average = &avg
	}
	var texts pq.StringArray
	if err := sqlx.GetContext(ctx, q, &texts, `SELECT coalesce(array_agg(takeaway), '{}') FROM feedback WHERE event_id = $1 AND takeaway <> ''`, eventID); err != nil {
		return nil, fmt.Errorf("feedback: summary: %w", err)
	}
	s.Takeaways = alphabetical(texts)
	var extra []string
	if err := sqlx.SelectContext(ctx, q, &extra, `SELECT answers::text FROM feedback WHERE event_id = $1 AND answers <> '{}'`, eventID); err != nil {
		return nil, fmt.Errorf("feedback: summary: %w", err)
	}
	for i, question := range f.Questions {
		qs := QuestionSummary{Question: question}
		if question.Kind == followup.KindRating {
			qs.Ratings = &[5]int{}
		}
		key := strconv.Itoa(i + 1)
		for _, raw := range extra {
			var answers map[string]json.RawMessage
			if json.Unmarshal([]byte(raw), &answers) != nil || answers[key] == nil {
				continue
			}
			var n int
			var text string
			switch {
			case qs.Ratings != nil && json.Unmarshal(answers[key], &n) == nil && n >= 1 && n <= 5:
				qs.Ratings[n-1]++
			case qs.Ratings == nil && json.Unmarshal(answers[key], &text) == nil:
				qs.Texts = append(qs.Texts, text)
			default:
				continue
			}
			qs.Answers++
		}
		qs.Texts = alphabetical(qs.Texts)
		s.Questions = append(s.Questions, qs)
	}
	return s, nil
}

// alphabetical sorts texts without regard to case: an order that tells nothing of who wrote
// them or when.
func alphabetical(texts []string) []string {
	out := append([]string{}, texts...)
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}
