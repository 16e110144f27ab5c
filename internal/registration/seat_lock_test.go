package registration_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// A registration for an event without a capacity never waits for the event's row, however long
// another transaction holds it (say, an organizer moving people); one for an event with a
// capacity takes its seat there, so it waits, but only at its very end.
func TestOnlyASeatWaitsForTheEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	unlimited := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false })
	ten := 10
	limited := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false; in.Capacity = &ten })

	for i, e := range []*event.Event{unlimited, limited} {
		seats := pool.MustBegin()
		seats.MustExec(`SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, e.ID)
		quick, cancel := context.WithTimeout(ctx, time.Second)
		_, _, err := registration.Register(quick, pool, key, e, person(i), now)
		waited := errors.Is(quick.Err(), context.DeadlineExceeded)
		cancel()
		seats.Rollback()
		if e == unlimited && (err != nil || waited) {
			t.Errorf("a registration without a capacity waited for the event's row: %v", err)
		}
		if e == limited && (err == nil || !waited) {
			t.Errorf("a registration with a capacity did not wait for the locked seats: %v", err)
		}
	}
}

// An event that had no capacity keeps no count of its seats; when it gets one, the seats are
// counted afresh, so the new capacity holds from the first registration after.
func TestCapacitySetLaterCountsTheSeats(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false })
	for i := range 3 {
		if _, _, err := registration.Register(ctx, pool, key, e, person(i), now); err != nil {
			t.Fatal(err)
		}
	}
	four := 4
	in := event.InputOf(e)
	in.Capacity = &four
	e, err := registration.UpdateEvent(ctx, pool, e, in, now)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for i := 3; i < 5; i++ {
		r, _, err := registration.Register(ctx, pool, key, e, person(i), now)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, r.Status)
	}
	if statuses[0] != registration.StatusConfirmed || statuses[1] != registration.StatusWaitlisted {
		t.Errorf("after the capacity of 4 was set with 3 seats taken, the next two got %v", statuses)
	}
	checkSeats(t, pool, e.ID)
}
