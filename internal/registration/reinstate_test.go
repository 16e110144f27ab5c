package registration_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
)

func conflictCode(err error) string {
	var c *domain.ConflictError
	if errors.As(err, &c) {
		return c.Code
	}
	return ""
}

// mails counts the queued messages of kind to a registration.
func mails(t *testing.T, pool *sqlx.DB, id int64, kind string) int {
	t.Helper()
	var n int
	if err := pool.Get(&n, `SELECT count(*) FROM outbox WHERE registration_id = $1 AND kind = $2`, id, kind); err != nil {
		t.Fatal(err)
	}
	return n
}

// reminded counts the reminders a registration gets, queued when the event's reminder moments
// come near (an hour before the start they all have).
func reminded(t *testing.T, pool *sqlx.DB, e *event.Event, id int64) int {
	t.Helper()
	if _, err := (reminder.Queuer{DB: pool}).QueueDue(context.Background(), e.StartsAt.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return mails(t, pool, id, "reminder")
}

// cancelled registers person i and cancels the registration.
func cancelled(t *testing.T, pool *sqlx.DB, e *event.Event, i int) *registration.Registration {
	t.Helper()
	ctx := context.Background()
	r, token, err := registration.Register(ctx, pool, key, e, person(i), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := registration.Cancel(ctx, pool, token, now); err != nil {
		t.Fatal(err)
	}
	return r
}

// A cancelled registration comes back with a seat when one is free, and its person gets the
// confirmation again (with the invite) and their reminders; cancelled and reinstated once more,
// they get it once more. When the event is full it goes on the waitlist, and without a
// waitlist it is refused; nothing but a cancelled registration of a running event comes back,
// and not when its address has registered again meanwhile.
func TestReinstate(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	two := 2
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &two })

	first := cancelled(t, pool, e, 0)
	back, err := registration.Reinstate(ctx, pool, e, first.ID, now)
	if err != nil || back.Status != registration.StatusConfirmed || back.CancelledAt != nil || back.ConfirmedAt == nil {
		t.Fatalf("reinstate with free seats: %+v, %v", back, err)
	}
	if n := mails(t, pool, first.ID, "registered"); n != 2 {
		t.Errorf("%d confirmation mails after register and reinstate, want 2", n)
	}
	if n := reminded(t, pool, e, first.ID); n != 2 {
		t.Errorf("%d reminders queued, want 2 (24h and 1h)", n)
	}
	if _, err := registration.Reinstate(ctx, pool, e, first.ID, now); conflictCode(err) != "reinstate_not_cancelled" {
		t.Errorf("reinstating a confirmed registration: %v", err)
	}
	checkSeats(t, pool, e.ID)

	// The second seat goes to someone new; the third person waits.
	if _, _, err := registration.Register(ctx, pool, key, e, person(1), now); err != nil {
		t.Fatal(err)
	}
	third := cancelled(t, pool, e, 2)
	back, err = registration.Reinstate(ctx, pool, e, third.ID, now)
	if err != nil || back.Status != registration.StatusWaitlisted {
		t.Fatalf("reinstate into a full event: %+v, %v", back, err)
	}
	if n := mails(t, pool, third.ID, "waitlisted"); n != 2 {
		t.Errorf("%d waitlist mails after waiting, cancelling and being reinstated, want 2", n)
	}
	checkSeats(t, pool, e.ID)

	// Without a waitlist a full event refuses, and nothing changes.
	fourth := cancelled(t, pool, e, 3)
	in := event.InputOf(e)
	in.Waitlist = false
	e, err = registration.UpdateEvent(ctx, pool, e, in, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registration.Reinstate(ctx, pool, e, fourth.ID, now); conflictCode(err) != "reinstate_full" {
		t.Errorf("reinstate into a full event without waitlist: %v", err)
	}
	if got := countStatus(t, pool, e.ID); got["confirmed"] != 2 || got["cancelled"] != 1 {
		t.Errorf("after the refusal: %v", got)
	}

	// Someone who registered again meanwhile keeps the new registration.
	pool.MustExec(`UPDATE events SET capacity = NULL WHERE id = $1`, e.ID)
	again := cancelled(t, pool, e, 5)
	if _, _, err := registration.Register(ctx, pool, key, e, person(5), now); err != nil {
		t.Fatal(err)
	}
	if _, err := registration.Reinstate(ctx, pool, e, again.ID, now); conflictCode(err) != "reinstate_duplicate" {
		t.Errorf("reinstate with the address registered again: %v", err)
	}

	// Another event's registration is unknown here; a cancelled event takes nobody back.
	other := newEvent(t, pool, nil)
	if _, err := registration.Reinstate(ctx, pool, other, fourth.ID, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("reinstate through another event: %v", err)
	}
	if _, err := registration.CancelEvent(ctx, pool, e, now); err != nil {
		t.Fatal(err)
	}
	if _, err := registration.Reinstate(ctx, pool, e, fourth.ID, now); conflictCode(err) != "reinstate_event_cancelled" {
		t.Errorf("reinstate at a cancelled event: %v", err)
	}
}

// Cancelled, reinstated, cancelled and reinstated again: each reinstatement sends its
// confirmation, although the same mail to the same person is otherwise queued once.
func TestReinstateTwice(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, nil)
	r, token, err := registration.Register(ctx, pool, key, e, person(0), now)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		if _, _, err := registration.Cancel(ctx, pool, token, now); err != nil {
			t.Fatal(err)
		}
		// Cancelling twice would stamp the same time; the second cancellation is later.
		pool.MustExec(`UPDATE registrations SET cancelled_at = cancelled_at + make_interval(secs => $2) WHERE id = $1`, r.ID, round)
		if _, err := registration.Reinstate(ctx, pool, e, r.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	if n := mails(t, pool, r.ID, "registered"); n != 3 {
		t.Errorf("%d confirmation mails after a registration and two reinstatements, want 3", n)
	}
}

// The last seat, wanted at the same moment by a reinstatement and by a new registration: exactly
// one gets it. Without a waitlist the other is refused; with one, the other waits. Run many
// times, so that both orders happen.
func TestReinstateRacesARegistrationForTheLastSeat(t *testing.T) {
	t.Parallel()
	for _, waitlist := range []bool{false, true} {
		pool := dbtest.New(t)
		ctx := context.Background()
		wins := map[string]int{}
		for round := range 15 {
			two := 2
			e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &two; in.Waitlist = waitlist })
			if _, _, err := registration.Register(ctx, pool, key, e, person(0), now); err != nil {
				t.Fatal(err)
			}
			gone := cancelled(t, pool, e, 1) // one seat left

			var wg sync.WaitGroup
			var reinstated, registered *registration.Registration
			var reinstateErr, registerErr error
			start := make(chan struct{})
			wg.Go(func() {
				<-start
				reinstated, reinstateErr = registration.Reinstate(ctx, pool, e, gone.ID, now)
			})
			wg.Go(func() {
				<-start
				registered, _, registerErr = registration.Register(ctx, pool, key, e, person(2), now)
			})
			close(start)
			wg.Wait()

			seated := 0
			for _, outcome := range []struct {
				r        *registration.Registration
				err      error
				refusals []string
			}{{reinstated, reinstateErr, []string{"reinstate_full"}}, {registered, registerErr, []string{"full"}}} {
				switch {
				case outcome.err == nil && outcome.r.Status == registration.StatusConfirmed:
					seated++
				case outcome.err == nil && outcome.r.Status == registration.StatusWaitlisted && waitlist:
				case outcome.err != nil && !waitlist && conflictCode(outcome.err) == outcome.refusals[0]:
				default:
					t.Fatalf("waitlist %v, round %d: %+v, %v", waitlist, round, outcome.r, outcome.err)
				}
			}
			if reinstateErr == nil && reinstated.Status == registration.StatusConfirmed {
				wins["reinstatement"]++
			} else {
				wins["registration"]++
			}
			if seated != 1 {
				t.Fatalf("waitlist %v, round %d: %d got the last seat (reinstate: %v, register: %v)", waitlist, round, seated, reinstateErr, registerErr)
			}
			if s := checkSeats(t, pool, e.ID); s.Confirmed != 2 {
				t.Fatalf("waitlist %v, round %d: %d confirmed of 2 seats", waitlist, round, s.Confirmed)
			}
		}
		t.Logf("waitlist %v: the last seat went to %v", waitlist, wins)
	}
}
