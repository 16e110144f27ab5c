package registration

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Answered is how the people registered for an event answered one of its questions.
type Answered struct {
	Count    int            // how many answered it at all
	ByAnswer map[string]int // how many gave each answer (a checkbox's: "true", "false")
}

// AnsweredQuestions returns, by question key, how the people registered (confirmed, waiting for
// confirmation or on the waitlist) answered the event's questions, including answers to keys
// the event no longer asks, so that organizers learn what a change to a question would hide.
func AnsweredQuestions(ctx context.Context, q sqlx.QueryerContext, eventID int64) (map[string]Answered, error) {
	query := `SELECT a.key, a.value #>> '{}' AS answer, count(*) AS n
		FROM registrations r, jsonb_each(r.answers) AS a
		WHERE r.event_id = $1 AND r.status IN ('pending', 'confirmed', 'waitlisted') AND r.erased_at IS NULL
		GROUP BY 1, 2`
	var rows []struct {
		Key    string `db:"key"`
		Answer string `db:"answer"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, eventID); err != nil {
		return nil, fmt.Errorf("registration: answered questions: %w", err)
	}
	out := map[string]Answered{}
	for _, r := range rows {
		a := out[r.Key]
		if a.ByAnswer == nil {
			a.ByAnswer = map[string]int{}
		}
		a.Count += r.N
		a.ByAnswer[r.Answer] += r.N
		out[r.Key] = a
	}
	return out, nil
}
