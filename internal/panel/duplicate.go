package panel

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// Duplicate creates a draft copy of an earlier event with its registration questions, its panel
// and its agenda, every time moved to the copy's new start (see event.CopyInput), in one
// transaction. Registrations, audience questions and polls belong to the original and stay
// there. The creator becomes the copy's organizer.
func Duplicate(ctx context.Context, pool *sqlx.DB, original *event.Event, c event.Copy, creator *auth.User) (*event.Event, error) {
	if c.StartsAt.IsZero() {
		v := &domain.ValidationError{}
		v.Problem("starts_at", "required", nil, "is required")
		return nil, v
	}
	shift := c.Shift(original)
	return event.CreateWith(ctx, pool, event.CopyInput(original, c), creator, func(ctx context.Context, tx *sqlx.Tx, copied *event.Event) error {
		return copyProgramme(ctx, tx, original.ID, copied.ID, shift)
	})
}

// copyProgramme copies the panel and the agenda of one event to another, the agenda moved by
// shift and its items involving the copies of their panelists.
func copyProgramme(ctx context.Context, tx *sqlx.Tx, from, to int64, shift time.Duration) error {
	programme, err := ProgrammeOf(ctx, tx, from)
	if err != nil {
		return err
	}
	copies := make(map[int64]int64, len(programme.Panelists))
	for _, p := range programme.Panelists {
		original := p.ID
		p.EventID = to
		added, err := AddPanelist(ctx, tx, p)
		if err != nil {
			return err
		}
		copies[original] = added.ID
	}
	for _, item := range programme.Agenda {
		item.EventID = to
		item.StartsAt, item.EndsAt = item.StartsAt.Add(shift), item.EndsAt.Add(shift)
		ids := make([]int64, 0, len(item.PanelistIDs))
		for _, id := range item.PanelistIDs {
			ids = append(ids, copies[id])
		}
		item.PanelistIDs = ids
		if _, err := AddAgendaItem(ctx, tx, item); err != nil {
			return err
		}
	}
	return nil
}
