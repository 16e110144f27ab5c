package registration_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// seatState is what the seats of an event look like in the database.
type seatState struct {
	Capacity   *int `db:"capacity"` // nil: unlimited
	Counter    int  `db:"counted"`  // seats taken, as the seat rows count them
	Free       int  `db:"free"`     // seats free, as the seat rows hold them
	Rows       int  `db:"seat_rows"`
	Confirmed  int  `db:"confirmed"`
	Waitlisted int  `db:"waitlisted"`
}

func seats(t *testing.T, pool *sqlx.DB, eventID int64) seatState {
	t.Helper()
	var s seatState
	query := `SELECT e.capacity,
			(SELECT coalesce(sum(taken), 0) FROM event_seats WHERE event_id = e.id) AS counted,
			(SELECT coalesce(sum(free), 0) FROM event_seats WHERE event_id = e.id) AS free,
			(SELECT count(*) FROM event_seats WHERE event_id = e.id) AS seat_rows,
			(SELECT count(*) FROM registrations WHERE event_id = e.id AND status = 'confirmed') AS confirmed,
			(SELECT count(*) FROM registrations WHERE event_id = e.id AND status = 'waitlisted') AS waitlisted
		FROM events e WHERE e.id = $1`
	if err := pool.Get(&s, query, eventID); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkSeats fails unless the seat rows count the confirmed registrations and hold exactly the
// seats left, and no seat is free while people wait.
func checkSeats(t *testing.T, pool *sqlx.DB, eventID int64) seatState {
	t.Helper()
	s := seats(t, pool, eventID)
	// The count is kept while the event has a capacity (without one no registration queues
	// anywhere to count itself); it starts with the first seat taken.
	switch {
	case s.Capacity == nil && s.Rows > 0:
		t.Errorf("%d seat rows for an event without a capacity", s.Rows)
	case s.Capacity != nil && s.Confirmed > 0 && s.Rows != 16:
		t.Errorf("%d seat rows for an event with a capacity and %d seats taken, want 16", s.Rows, s.Confirmed)
	case s.Capacity != nil && s.Rows > 0 && s.Counter != s.Confirmed:
		t.Errorf("seat rows count %d taken, but %d confirmed registrations", s.Counter, s.Confirmed)
	case s.Capacity != nil && s.Rows > 0 && s.Free != max(*s.Capacity-s.Confirmed, 0):
		t.Errorf("seat rows hold %d free seats, but %d of %d are taken", s.Free, s.Confirmed, *s.Capacity)
	}
	if s.Waitlisted > 0 && (s.Capacity == nil || s.Confirmed != *s.Capacity) {
		t.Errorf("%d of %v seats taken while %d people wait", s.Confirmed, s.Capacity, s.Waitlisted)
	}
	return s
}

// Every way a seat frees up gives it, in the same transaction, to whoever has waited longest,
// who is told by mail and gets reminders; a raised capacity gives all its new seats away. The
// person an organizer moves to the waitlist does not get their seat straight back.
func TestEveryFreedSeatGoesToTheNextInLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	organizerChange := func(to string) func(*testing.T, *sqlx.DB, *event.Event, []string, []int64) {
		return func(t *testing.T, pool *sqlx.DB, e *event.Event, _ []string, ids []int64) {
			if _, err := registration.ChangeByOrganizer(ctx, pool, e, ids[0], registration.Change{Status: &to}, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths := []struct {
		name     string
		free     func(t *testing.T, pool *sqlx.DB, e *event.Event, tokens []string, ids []int64)
		promoted []int // the registrations promoted, by the order they came in
		freed    bool  // whether the first registration gave up its seat
	}{
		{"organizer moves to the waitlist", organizerChange(registration.StatusWaitlisted), []int{2}, true},
		{"organizer cancels", organizerChange(registration.StatusCancelled), []int{2}, true},
		{"attendee cancels", func(t *testing.T, pool *sqlx.DB, _ *event.Event, tokens []string, _ []int64) {
			if _, _, err := registration.Cancel(ctx, pool, tokens[0], now); err != nil {
				t.Fatal(err)
			}
		}, []int{2}, true},
		{"attendee erases", func(t *testing.T, pool *sqlx.DB, _ *event.Event, tokens []string, _ []int64) {
			if _, err := registration.Erase(ctx, pool, tokens[0], now); err != nil {
				t.Fatal(err)
			}
		}, []int{2}, true},
		{"capacity raised", func(t *testing.T, pool *sqlx.DB, e *event.Event, _ []string, _ []int64) {
			in := event.InputOf(e)
			four := 4
			in.Capacity = &four
			if _, err := registration.UpdateEvent(ctx, pool, e, in, now); err != nil {
				t.Fatal(err)
			}
		}, []int{2, 3}, false},
		{"capacity lifted", func(t *testing.T, pool *sqlx.DB, e *event.Event, _ []string, _ []int64) {
			in := event.InputOf(e)
			in.Capacity = nil
			if _, err := registration.UpdateEvent(ctx, pool, e, in, now); err != nil {
				t.Fatal(err)
			}
		}, []int{2, 3, 4}, false},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			two := 2
			e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &two })
			var tokens []string
			var ids []int64
			for i := range 5 { // two seats taken, three waiting
				r, token, err := registration.Register(ctx, pool, key, e, person(i), now.Add(time.Duration(i)*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				tokens, ids = append(tokens, token), append(ids, r.ID)
			}
			p.free(t, pool, e, tokens, ids)

			s := checkSeats(t, pool, e.ID)
			want := 2 + len(p.promoted)
			if p.freed {
				want--
			}
			if s.Confirmed != want {
				t.Errorf("%d confirmed, want %d", s.Confirmed, want)
			}
			for _, i := range p.promoted {
				var status string
				var told, reminders int
				pool.Get(&status, `SELECT status FROM registrations WHERE id = $1`, ids[i])
				pool.Get(&told, `SELECT count(*) FROM outbox WHERE registration_id = $1 AND kind = 'promoted'`, ids[i])
				reminders = reminded(t, pool, e, ids[i])
				if status != registration.StatusConfirmed || told != 1 || reminders != 2 {
					t.Errorf("registration %d (waiting since %d min): %s, %d promotion mails, %d reminders; want confirmed, told, reminded", i, i, status, told, reminders)
				}
			}
			var first string
			pool.Get(&first, `SELECT status FROM registrations WHERE id = $1`, ids[0])
			if p.freed && first == registration.StatusConfirmed {
				t.Errorf("the person whose seat was freed holds it again")
			}
		})
	}
}

// A mixed rush on one event: people register, confirmed and waiting attendees cancel, erase
// their data, and organizers move people between seat, waitlist and cancelled, all at once.
// Afterwards every seat is taken while people wait, and the counter equals the rows.
func TestSeatsUnderAMixedRace(t *testing.T) {
	t.Parallel()
	for _, doubleOptIn := range []bool{false, true} {
		t.Run(fmt.Sprintf("double opt-in %v", doubleOptIn), func(t *testing.T) {
			t.Parallel()
			mixedRace(t, doubleOptIn)
		})
	}
}

// mixedRace runs 240 people's registrations, confirmations (with double opt-in), cancellations,
// erasures and organizer moves at once on 50 seats (10 with double opt-in), and checks the
// seats afterwards.
func mixedRace(t *testing.T, doubleOptIn bool) {
	pool := dbtest.New(t)
	ctx := context.Background()
	capacity := 50
	if doubleOptIn {
		capacity = 10 // fewer people confirm than register
	}
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &capacity; in.DoubleOptIn = doubleOptIn })

	var (
		mu     sync.Mutex
		tokens []string
	)
	const people = 240
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				switch {
				case i%6 == 0 && i > 0: // an attendee who registered earlier cancels or erases
					mu.Lock()
					if len(tokens) == 0 {
						mu.Unlock()
						continue
					}
					token := tokens[rand.IntN(len(tokens))]
					mu.Unlock()
					var err error
					if i%12 == 0 {
						_, err = registration.Erase(ctx, pool, token, now)
					} else {
						_, _, err = registration.Cancel(ctx, pool, token, now)
					}
					if err != nil && !errors.Is(err, domain.ErrNotFound) {
						t.Error(err)
					}
				case doubleOptIn && i%6 != 3 && i%2 == 1: // someone confirms their address
					mu.Lock()
					if len(tokens) == 0 {
						mu.Unlock()
						continue
					}
					token := tokens[rand.IntN(len(tokens))]
					mu.Unlock()
					_, err := registration.Confirm(ctx, pool, token, now, now.Add(-time.Hour))
					var conflict *domain.ConflictError
					if err != nil && !errors.As(err, &conflict) && !errors.Is(err, domain.ErrNotFound) {
						t.Error(err)
					}
				case i%6 == 3: // an organizer moves someone
					var id int64
					var from string
					if err := pool.QueryRow(`SELECT id, status FROM registrations WHERE event_id = $1 AND status IN ('confirmed', 'waitlisted')
						ORDER BY random() LIMIT 1`, e.ID).Scan(&id, &from); err != nil {
						continue
					}
					to := []string{registration.StatusWaitlisted, registration.StatusCancelled, registration.StatusConfirmed}[i%5%3]
					if doubleOptIn && to == registration.StatusWaitlisted {
						// Someone moved to the waitlist does not get their seat straight back; with
						// few people waiting that would leave a seat empty on purpose.
						to = registration.StatusCancelled
					}
					_, err := registration.ChangeByOrganizer(ctx, pool, e, id, registration.Change{Status: &to}, now)
					var conflict *domain.ConflictError
					if err != nil && !errors.As(err, &conflict) && !errors.Is(err, domain.ErrNotFound) {
						t.Error(err)
					}
				default:
					_, token, err := registration.Register(ctx, pool, key, e, person(i), now)
					if err != nil {
						t.Error(err)
						continue
					}
					if doubleOptIn && i%4 != 0 { // most confirm at once, the others later or never
						if _, err := registration.Confirm(ctx, pool, token, now, now.Add(-time.Hour)); err != nil {
							t.Error(err)
						}
					}
					mu.Lock()
					tokens = append(tokens, token)
					mu.Unlock()
				}
			}
		})
	}
	for i := range people {
		work <- i
	}
	close(work)
	wg.Wait()

	s := checkSeats(t, pool, e.ID)
	if s.Waitlisted == 0 {
		t.Fatalf("nobody waits at the end (%+v): the race did not test the waitlist", s)
	}
	t.Logf("after the race: %d confirmed, %d waiting", s.Confirmed, s.Waitlisted)
}
