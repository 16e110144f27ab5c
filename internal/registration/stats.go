package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/event"
)

// Day is the number of registrations made on one day (in the event's time zone).
type Day struct {
	Date time.Time `db:"day"`
	N    int       `db:"n"`
}

// Timeline returns the registrations per day, oldest first, counting everyone who is still
// registered or on the waitlist.
func Timeline(ctx context.Context, q sqlx.QueryerContext, e *event.Event) ([]Day, error) {
	query := `SELECT (created_at AT TIME ZONE $2)::date::timestamp AS day, count(*) AS n
		FROM registrations
		WHERE event_id = $1 AND status IN ('pending', 'confirmed', 'waitlisted')
		GROUP BY 1 ORDER BY 1`
	out := []Day{}
	if err := sqlx.SelectContext(ctx, q, &out, query, e.ID, e.Timezone); err != nil {
		return nil, fmt.Errorf("registration: timeline: %w", err)
	}
	return out, nil
}

// AnswerCount is how many people gave one answer to a question.
type AnswerCount struct {
	Answer string `db:"answer"`
	N      int    `db:"n"`
}

// AnswerCounts returns, per select or checkbox question, how often each answer was given by the
// people registered (confirmed, waiting for confirmation or on the waitlist), in the question's
// order of options.
func AnswerCounts(ctx context.Context, q sqlx.QueryerContext, e *event.Event) (map[string][]AnswerCount, error) {
	out := map[string][]AnswerCount{}
	for _, question := range e.Questions {
		if question.Kind != event.KindSelect && question.Kind != event.KindCheckbox {
			continue
		}
		var rows []AnswerCount
		query := `SELECT answers->>$2 AS answer, count(*) AS n FROM registrations
			WHERE event_id = $1 AND status IN ('pending', 'confirmed', 'waitlisted') AND answers ? $2
			GROUP BY 1`
		if err := sqlx.SelectContext(ctx, q, &rows, query, e.ID, question.Key); err != nil {
			return nil, fmt.Errorf("registration: answers: %w", err)
		}
		byAnswer := map[string]int{}
		for _, r := range rows {
			byAnswer[r.Answer] = r.N
		}
		options := question.Options
		if question.Kind == event.KindCheckbox {
			options = []string{"true", "false"}
		}
		counts := make([]AnswerCount, len(options))
		for i, o := range options {
			counts[i] = AnswerCount{Answer: o, N: byAnswer[o]}
		}
		out[question.Key] = counts
	}
	return out, nil
}
