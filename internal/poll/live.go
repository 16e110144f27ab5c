package poll

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/qa"
)

// Source prepares the live events of changed polls for the hub of package qa: each changed poll
// once per batch, as it is now, encoded once for moderators and once for the audience. During
// a storm of answers the hub's batches coalesce them, so a poll's results go out at most once
// per batch, with the counts of its end.
type Source struct{}

// PollEvents reads the changed polls and their results in a few queries and writes their events:
// poll.updated when a poll's settings changed, poll.results always. The audience gets nothing of
// drafts, and only the number of participants of results that are not shown.
func (Source) PollEvents(ctx context.Context, q sqlx.QueryerContext, eventID int64, changed []qa.PollChange) (qa.PollEvents, error) {
	ids := make([]int64, len(changed))
	for i, c := range changed {
		ids[i] = c.ID
	}
	var polls []Poll
	query := `SELECT ` + columns + ` FROM polls p WHERE p.event_id = $1 AND p.id = ANY($2)`
	if err := sqlx.SelectContext(ctx, q, &polls, query, eventID, pq.Array(ids)); err != nil {
		return qa.PollEvents{}, fmt.Errorf("poll: live: %w", err)
	}
	byID := map[int64]*Poll{}
	for i := range polls {
		byID[polls[i].ID] = &polls[i]
	}
	results, err := ResultsOf(ctx, q, polls)
	if err != nil {
		return qa.PollEvents{}, err
	}
	var out qa.PollEvents
	for _, c := range changed {
		p := byID[c.ID]
		if p == nil {
			continue // deleted with its event
		}
		r := results[p.ID]
		shown := r
		if !p.ResultsVisible {
			shown = r.Hidden()
		}
		if c.Updated {
			line, err := sse("poll.updated", p)
			if err != nil {
				return qa.PollEvents{}, err
			}
			out.Moderator = append(out.Moderator, line...)
			if p.Public() {
				out.Audience = append(out.Audience, line...)
			}
		}
		line, err := sse("poll.results", r)
		if err != nil {
			return qa.PollEvents{}, err
		}
		out.Moderator = append(out.Moderator, line...)
		if p.Public() {
			if shown != r {
				if line, err = sse("poll.results", shown); err != nil {
					return qa.PollEvents{}, err
				}
			}
			out.Audience = append(out.Audience, line...)
		}
	}
	return out, nil
}

func sse(name string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("poll: encode %s: %w", name, err)
	}
	out := make([]byte, 0, len(name)+len(data)+16)
	out = append(out, "event: "...)
	out = append(out, name...)
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, "\n\n"...), nil
}
