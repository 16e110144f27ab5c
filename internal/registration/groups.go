package registration

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/outbox"
)

// Groups of an event's registrations that its organizers write to.
const (
	GroupConfirmed  = "confirmed"  // everyone holding a seat
	GroupWaitlisted = "waitlisted" // everyone waiting for one
	GroupAttended   = "attended"   // everyone marked as attended, whatever their status now
)

// groupConditions are the groups' conditions on a registration; Podium's own words, never
// input, so they are written into the statements.
var groupConditions = map[string]string{
	GroupConfirmed:  `status = 'confirmed'`,
	GroupWaitlisted: `status = 'waitlisted'`,
	GroupAttended:   `attended`,
}

// IsGroup tells whether group names one of the groups.
func IsGroup(group string) bool {
	_, ok := groupConditions[group]
	return ok
}

// InGroup selects the registrations of the event in group whose data still exists, as the
// outbox embeds them (column registration_id). The group must be one IsGroup knows.
func InGroup(eventID int64, group string) outbox.Query {
	return outbox.Query{SQL: `SELECT id AS registration_id FROM registrations
			WHERE event_id = $1 AND erased_at IS NULL AND ` + groupConditions[group],
		Args: []any{eventID}}
}

// GroupLanguages counts the people of a group by the language their mails are written in.
func GroupLanguages(ctx context.Context, q sqlx.QueryerContext, eventID int64, group string) (map[string]int, error) {
	if !IsGroup(group) {
		return map[string]int{}, nil
	}
	var rows []struct {
		Language string `db:"language"`
		N        int    `db:"n"`
	}
	query := `SELECT language, count(*) AS n FROM registrations
		WHERE event_id = $1 AND erased_at IS NULL AND ` + groupConditions[group] + `
		GROUP BY language`
	if err := sqlx.SelectContext(ctx, q, &rows, query, eventID); err != nil {
		return nil, fmt.Errorf("registration: group languages: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Language] = r.N
	}
	return out, nil
}

// GroupSizes counts the people in each group, for the form that chooses one.
func GroupSizes(ctx context.Context, q sqlx.QueryerContext, eventID int64) (map[string]int, error) {
	var sizes struct {
		Confirmed  int `db:"confirmed"`
		Waitlisted int `db:"waitlisted"`
		Attended   int `db:"attended"`
	}
	query := `SELECT count(*) FILTER (WHERE ` + groupConditions[GroupConfirmed] + `) AS confirmed,
			count(*) FILTER (WHERE ` + groupConditions[GroupWaitlisted] + `) AS waitlisted,
			count(*) FILTER (WHERE ` + groupConditions[GroupAttended] + `) AS attended
		FROM registrations WHERE event_id = $1 AND erased_at IS NULL`
	if err := sqlx.GetContext(ctx, q, &sizes, query, eventID); err != nil {
		return nil, fmt.Errorf("registration: group sizes: %w", err)
	}
	return map[string]int{GroupConfirmed: sizes.Confirmed, GroupWaitlisted: sizes.Waitlisted, GroupAttended: sizes.Attended}, nil
}
