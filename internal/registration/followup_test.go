package registration_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// After the retention period, the attendees of an ended event are anonymous: no name, address,
// answers or working link is left, the counts stay, and nothing more is mailed to them.
// Attendees of a later event keep their data.
func TestRetentionErasesEndedEventsOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	ended := newEvent(t, pool, nil)
	later := newEvent(t, pool, func(in *event.Input) {
		in.StartsAt, in.EndsAt = in.StartsAt.Add(60*24*time.Hour), in.EndsAt.Add(60*24*time.Hour)
	})
	var tokens []string
	for i := range 3 {
		_, token, err := registration.Register(ctx, pool, key, ended, person(i), now)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	if _, _, err := registration.Register(ctx, pool, key, later, person(9), now); err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`UPDATE registrations SET attended = true WHERE event_id = $1`, ended.ID)

	// The sweep passes now − retention period: first a minute before the event's end, then after.
	if n, err := registration.EraseEnded(ctx, pool, ended.EndsAt.Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("before the period is over: erased %d, %v", n, err)
	}
	n, err := registration.EraseEnded(ctx, pool, ended.EndsAt.Add(time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("erased %d, %v; want 3", n, err)
	}
	var left int
	pool.Get(&left, `SELECT count(*) FROM registrations WHERE event_id = $1 AND (name <> '' OR email <> '' OR municipality <> '' OR answers <> '{}' OR erased_at IS NULL)`, ended.ID)
	if left != 0 {
		t.Errorf("%d registrations still hold personal data", left)
	}
	if counts := countStatus(t, pool, ended.ID); counts[registration.StatusConfirmed] != 3 {
		t.Errorf("counts after erasing %v", counts)
	}
	var attended, queued int
	pool.Get(&attended, `SELECT count(*) FROM registrations WHERE event_id = $1 AND attended`, ended.ID)
	pool.Get(&queued, `SELECT count(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE r.event_id = $1 AND o.status = 'queued'`, ended.ID)
	if attended != 3 || queued != 0 {
		t.Errorf("attended %d, queued mails %d", attended, queued)
	}
	if _, err := registration.ByToken(ctx, pool, tokens[0]); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the manage link still works: %v", err)
	}
	if counts := countStatus(t, pool, later.ID); counts[registration.StatusConfirmed] != 1 {
		t.Errorf("the later event lost its registration: %v", counts)
	}
	var kept string
	pool.Get(&kept, `SELECT email FROM registrations WHERE event_id = $1`, later.ID)
	if kept == "" {
		t.Error("the later event's attendee was erased")
	}
}
