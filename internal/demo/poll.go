package demo

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
)

// KommunentypPoll is the question the websession put to its audience.
const KommunentypPoll = "Welcher Kommunentyp ist Ihre Kommune?"

// kommunentypAnswers are plausible results: every type present, the Optimierer ahead and the
// Community Manager, the most advanced type, the rarest, as among the municipalities surveyed.
var kommunentypAnswers = []int{41, 58, 47, 23}

// loadPoll gives the websession its Kommunentyp poll, closed, with its results shown and on the
// presenter screen, so that a newcomer sees the presenter view at once. A database that has the
// demo from before polls existed gets it too; one that has it gets nothing.
func loadPoll(ctx context.Context, pool *sqlx.DB, log *slog.Logger) error {
	e, err := event.BySlug(ctx, pool, WebsessionSlug)
	if err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	polls, err := poll.List(ctx, pool, e.ID, true)
	if err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	for _, p := range polls {
		if p.Question == KommunentypPoll {
			return nil
		}
	}
	p, err := poll.Create(ctx, pool, e.ID, poll.Input{Kind: poll.KindSingle, Question: KommunentypPoll,
		Explanation: "Die Studie ordnet Kommunen vier Typen zu. Wo sehen Sie Ihre eigene?", Options: kommunentyp.Options})
	if err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	if _, err := poll.Update(ctx, pool, e.ID, p.ID, poll.Change{State: ptr(poll.StateOpen)}); err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	if err := poll.Seed(ctx, pool, e.ID, p.ID, kommunentypAnswers); err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	change := poll.Change{State: ptr(poll.StateClosed), ResultsVisible: ptr(true), OnPresenter: ptr(true)}
	if _, err := poll.Update(ctx, pool, e.ID, p.ID, change); err != nil {
		return fmt.Errorf("demo: poll: %w", err)
	}
	log.Info("demo poll loaded", "slug", e.Slug)
	return nil
}

func ptr[T any](v T) *T { return &v }
