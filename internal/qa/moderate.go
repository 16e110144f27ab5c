package qa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// Change is a moderator's change of a question; nil fields stay as they are.
type Change struct {
	Status      *string
	Answered    *bool
	Highlighted *bool
	Text        *string
}

// Moderate applies a moderator's change. Highlighting a question takes the highlight from any
// other question of the event; only an approved question can be highlighted, and one that leaves
// the approved state loses it.
func Moderate(ctx context.Context, pool *sqlx.DB, eventID, questionID int64, ch Change) (*Question, error) {
	v := &domain.ValidationError{}
	if ch.Status != nil {
		switch *ch.Status {
		case StatusPending, StatusApproved, StatusRejected:
		default:
			v.Problem("status", "one_of", domain.Params{"Values": "pending, approved, rejected"}, "must be pending, approved or rejected")
		}
	}
	if ch.Text != nil {
		t := checkText(v, "text", *ch.Text, 1, MaxTextLen)
		ch.Text = &t
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	var out Question
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		// An event's questions are moderated one change at a time, so concurrent highlights end
		// with exactly one highlighted question instead of a unique violation. Locks are taken
		// in the order every change of questions takes them (this one, question rows, the
		// change counter last), so a vote and a moderation never wait for each other in a circle.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('podium.qa.moderate', $1))`, eventID); err != nil {
			return fmt.Errorf("qa: moderate: %w", err)
		}
		if err := sqlx.GetContext(ctx, tx, &out, `SELECT `+columns+`, false AS own, false AS voted FROM questions q
			WHERE q.id = $1 AND q.event_id = $2 FOR UPDATE`, questionID, eventID); err != nil {
			return notFound(err)
		}
		status, highlighted := out.Status, out.Highlighted
		if ch.Status != nil {
			status = *ch.Status
		}
		if ch.Highlighted != nil {
			highlighted = *ch.Highlighted
		}
		if highlighted && status != StatusApproved {
			if ch.Highlighted != nil && *ch.Highlighted {
				return &domain.ConflictError{Code: "highlight_unapproved", Field: "highlighted", Message: "only an approved question can be highlighted"}
			}
			highlighted = false
		}
		changed := []int64{questionID}
		if highlighted && !out.Highlighted {
			var others []int64
			err := sqlx.SelectContext(ctx, tx, &others, `UPDATE questions SET highlighted = false, updated_at = now()
				WHERE event_id = $1 AND highlighted AND id <> $2 RETURNING id`, eventID, questionID)
			if err != nil {
				return fmt.Errorf("qa: moderate: %w", err)
			}
			changed = append(others, questionID)
		}
		query := `UPDATE questions AS q SET status = $2, highlighted = $3, answered = COALESCE($4, answered),
				text = COALESCE($5, text), updated_at = now()
			WHERE id = $1
			RETURNING ` + columns + `, false AS own, false AS voted`
		if err := sqlx.GetContext(ctx, tx, &out, query, questionID, status, highlighted, ch.Answered, ch.Text); err != nil {
			return fmt.Errorf("qa: moderate: %w", err)
		}
		return publish(ctx, tx, eventID, "updated", changed...)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return fmt.Errorf("qa: %w", err)
}
