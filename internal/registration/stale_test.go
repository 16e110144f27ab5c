package registration_test

import (
	"context"
	"errors"
	"testing"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// A registration checked against a copy of the event read before the event changed records
// nothing and says so, whichever way it would have gone: a seat at an event with or without a
// capacity, the waitlist of a full one, or a pending registration with double opt-in.
func TestRegisteringAgainstAnOutdatedEventRecordsNothing(t *testing.T) {
	t.Parallel()
	one := 1
	kinds := []struct {
		name   string
		change func(*event.Input)
		before int // registrations made first
	}{
		{"without a capacity", nil, 0},
		{"with a capacity", func(in *event.Input) { in.Capacity = &one }, 0},
		{"full, with a waitlist", func(in *event.Input) { in.Capacity = &one }, 1},
		{"double opt-in", func(in *event.Input) { in.DoubleOptIn = true }, 0},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			ctx := context.Background()
			copied := newEvent(t, pool, k.change)
			for i := range k.before {
				if _, _, err := registration.Register(ctx, pool, key, copied, person(i), now); err != nil {
					t.Fatal(err)
				}
			}
			in := event.InputOf(copied)
			in.Title = "Digitale Kommune: Vom Typ zur Tat (neuer Titel)"
			if _, err := registration.UpdateEvent(ctx, pool, copied, in, now); err != nil {
				t.Fatal(err)
			}
			var messages int
			pool.Get(&messages, `SELECT count(*) FROM outbox`)

			_, _, err := registration.Register(ctx, pool, key, copied, person(9), now)
			if !errors.Is(err, registration.ErrEventChanged) {
				t.Fatalf("registering against the copy from before the change: %v, want ErrEventChanged", err)
			}
			var registered, after int
			pool.Get(&registered, `SELECT count(*) FROM registrations WHERE event_id = $1`, copied.ID)
			pool.Get(&after, `SELECT count(*) FROM outbox`)
			if registered != k.before || after != messages {
				t.Errorf("%d registrations and %d new messages after the refusal, want %d and none", registered, after-messages, k.before)
			}

			current, err := event.ByID(ctx, pool, copied.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := registration.Register(ctx, pool, key, current, person(9), now); err != nil {
				t.Errorf("registering against the event as it is now: %v", err)
			}
		})
	}
}
