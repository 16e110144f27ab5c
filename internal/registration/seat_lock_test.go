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

// A registration never waits for the event's row, however long another transaction holds it
// (say, an organizer moving people). One for an event with a capacity takes its seat from a seat
// row nobody holds; it waits (at its very end) only when every seat row is held, as while a
// change of seats counts them.
func TestOnlyASeatWaitsForTheEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	unlimited := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false })
	ten := 10
	limited := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false; in.Capacity = &ten })
	// The first seat makes the event's seat rows.
	if _, _, err := registration.Register(ctx, pool, key, limited, person(0), now); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		e         *event.Event
		seatRows  bool // hold every seat row besides the event's
		wantWaits bool
	}{
		{"no capacity, event held", unlimited, false, false},
		{"capacity, event held", limited, false, false},
		{"capacity, event and seat rows held", limited, true, true},
	}
	for i, c := range cases {
		held := pool.MustBegin()
		held.MustExec(`SELECT 1 FROM events WHERE id = $1 FOR NO KEY UPDATE`, c.e.ID)
		if c.seatRows {
			held.MustExec(`SELECT 1 FROM event_seats WHERE event_id = $1 FOR UPDATE`, c.e.ID)
		}
		quick, cancel := context.WithTimeout(ctx, time.Second)
		r, _, err := registration.Register(quick, pool, key, c.e, person(i+1), now)
		waited := errors.Is(quick.Err(), context.DeadlineExceeded)
		cancel()
		held.Rollback()
		switch {
		case c.wantWaits && (err == nil || !waited):
			t.Errorf("%s: the registration did not wait for the held seats: %v", c.name, err)
		case !c.wantWaits && (err != nil || waited):
			t.Errorf("%s: the registration waited: %v", c.name, err)
		case !c.wantWaits && r.Status != registration.StatusConfirmed:
			t.Errorf("%s: the registration is %s, want confirmed", c.name, r.Status)
		}
	}
	checkSeats(t, pool, limited.ID)
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

// A changed capacity changes the seats left at once; a lifted one drops the count, and a
// capacity set again counts the seats afresh.
func TestCapacityChangesKeepTheCount(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	five := 5
	e := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = false; in.Capacity = &five })
	register := func(i int) string {
		t.Helper()
		r, _, err := registration.Register(ctx, pool, key, e, person(i), now)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	setCapacity := func(capacity *int) {
		t.Helper()
		in := event.InputOf(e)
		in.Capacity = capacity
		var err error
		if e, err = registration.UpdateEvent(ctx, pool, e, in, now); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		register(i)
	}
	if s := checkSeats(t, pool, e.ID); s.Free != 2 {
		t.Fatalf("3 of 5 seats taken, but %d free", s.Free)
	}
	four := 4
	setCapacity(&four)
	if s := checkSeats(t, pool, e.ID); s.Free != 1 {
		t.Fatalf("capacity lowered to 4 with 3 taken, but %d free", s.Free)
	}
	if got := []string{register(3), register(4)}; got[0] != registration.StatusConfirmed || got[1] != registration.StatusWaitlisted {
		t.Fatalf("the last seat of 4 and the next: %v", got)
	}
	setCapacity(nil)
	if s := checkSeats(t, pool, e.ID); s.Rows != 0 || s.Confirmed != 5 {
		t.Fatalf("capacity lifted: %d seat rows, %d confirmed (the one waiting promoted), want 0 and 5", s.Rows, s.Confirmed)
	}
	register(5)
	six := 6
	setCapacity(&six)
	if got := register(6); got != registration.StatusWaitlisted {
		t.Fatalf("capacity 6 set with 6 confirmed, the next is %s", got)
	}
	if s := checkSeats(t, pool, e.ID); s.Rows != 16 || s.Counter != 6 || s.Free != 0 {
		t.Fatalf("capacity 6 set again: %d seat rows counting %d taken and %d free, want 16, 6 and 0", s.Rows, s.Counter, s.Free)
	}
}
