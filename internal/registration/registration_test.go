package registration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

var (
	now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	key = auth.ManageKey("test secret of at least 32 bytes!")
)

// newEvent stores a published event starting in a week; change adjusts it first.
func newEvent(t *testing.T, pool *sqlx.DB, change func(*event.Input)) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt = now.Add(7 * 24 * time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.Status = event.StatusPublished
	in.DoubleOptIn = false
	in.Questions = []event.Question{{Key: "kommunentyp", Label: "Kommunentyp", Kind: event.KindSelect,
		Options: []string{"Die Bedächtigen", "Die Optimierer"}, Required: true}}
	if change != nil {
		change(&in)
	}
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func person(i int) registration.Input {
	return registration.Input{
		Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person%d@kommune.example", i),
		Municipality: "Pattensen", Consent: true,
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)},
	}
}

func countStatus(t *testing.T, pool *sqlx.DB, eventID int64) map[string]int {
	t.Helper()
	rows := []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}{}
	if err := pool.Select(&rows, `SELECT status, count(*) AS n FROM registrations WHERE event_id = $1 GROUP BY status`, eventID); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// 300 people registering at the same moment for 20 seats: exactly 20 get a seat, 280 wait, and
// one cancellation promotes exactly one of them.
func TestNoOverbookingUnderConcurrency(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	capacity := 20
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &capacity })

	const people = 300
	tokens := make([]string, people)
	statuses := make([]string, people)
	var wg sync.WaitGroup
	errs := make(chan error, people)
	for i := range people {
		wg.Go(func() {
			r, token, err := registration.Register(context.Background(), pool, key, e, person(i), now)
			if err != nil {
				errs <- err
				return
			}
			tokens[i], statuses[i] = token, r.Status
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("register: %v", err)
	}
	got := countStatus(t, pool, e.ID)
	if got["confirmed"] != 20 || got["waitlisted"] != 280 {
		t.Fatalf("after the rush: %v, want 20 confirmed and 280 waitlisted", got)
	}
	if s := checkSeats(t, pool, e.ID); s.Counter != 20 || s.Free != 0 {
		t.Fatalf("seat rows count %d taken and %d free, want 20 and 0", s.Counter, s.Free)
	}

	var confirmedToken string
	for i, s := range statuses {
		if s == registration.StatusConfirmed {
			confirmedToken = tokens[i]
			break
		}
	}
	var firstWaiting int64
	pool.Get(&firstWaiting, `SELECT id FROM registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY created_at, id LIMIT 1`, e.ID)
	cancelled, promoted, err := registration.Cancel(context.Background(), pool, confirmedToken, now)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != registration.StatusCancelled || promoted == nil || promoted.ID != firstWaiting {
		t.Fatalf("cancel: %v, promoted %+v, want the first waiting (%d)", cancelled.Status, promoted, firstWaiting)
	}
	if got := countStatus(t, pool, e.ID); got["confirmed"] != 20 || got["waitlisted"] != 279 || got["cancelled"] != 1 {
		t.Fatalf("after one cancellation: %v", got)
	}
	if _, again, err := registration.Cancel(context.Background(), pool, confirmedToken, now); err != nil || again != nil {
		t.Fatalf("cancelling twice: promoted %v, %v", again, err)
	}
}

// Cancellations racing each other never promote more people than seats were freed.
func TestConcurrentCancellations(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	capacity := 10
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &capacity })
	var tokens []string
	for i := range 30 {
		r, token, err := registration.Register(context.Background(), pool, key, e, person(i), now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == registration.StatusConfirmed || r.Status == registration.StatusWaitlisted {
			tokens = append(tokens, token)
		}
	}
	var wg sync.WaitGroup
	for _, token := range tokens[:15] { // 10 confirmed and the first 5 waiting
		wg.Go(func() {
			if _, _, err := registration.Cancel(context.Background(), pool, token, now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := countStatus(t, pool, e.ID); got["confirmed"] != 10 || got["waitlisted"] != 5 || got["cancelled"] != 15 {
		t.Fatalf("after concurrent cancellations: %v", got)
	}
}

// With double opt-in the registration waits for its email to be confirmed, and only then takes
// a seat, or a waitlist place if the event filled up meanwhile.
func TestDoubleOptIn(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	capacity := 1
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &capacity; in.DoubleOptIn = true })
	ctx := context.Background()

	first, firstToken, err := registration.Register(ctx, pool, key, e, person(1), now)
	if err != nil || first.Status != registration.StatusPending {
		t.Fatalf("first: %v %v", first, err)
	}
	_, secondToken, _ := registration.Register(ctx, pool, key, e, person(2), now)
	second, err := registration.Confirm(ctx, pool, secondToken, now, now.Add(-48*time.Hour))
	if err != nil || second.Status != registration.StatusConfirmed || second.ConfirmedAt == nil {
		t.Fatalf("second confirms first: %+v %v", second, err)
	}
	first, err = registration.Confirm(ctx, pool, firstToken, now, now.Add(-48*time.Hour))
	if err != nil || first.Status != registration.StatusWaitlisted {
		t.Fatalf("first confirms when full: %+v %v", first, err)
	}
	if again, err := registration.Confirm(ctx, pool, firstToken, now, now.Add(-48*time.Hour)); err != nil || again.Status != registration.StatusWaitlisted {
		t.Fatalf("confirming again: %+v %v", again, err)
	}
	if _, err := registration.Confirm(ctx, pool, "no-such-token", now, now.Add(-48*time.Hour)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
}

// One registration per address and event, whatever the case; closed, cancelled or full events
// refuse with a reason; bad input names its fields.
func TestRefusals(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, nil)
	if _, _, err := registration.Register(ctx, pool, key, e, person(1), now); err != nil {
		t.Fatal(err)
	}
	dup := person(1)
	dup.Email = "PERSON1@Kommune.Example"
	var conflict *domain.ConflictError
	if _, _, err := registration.Register(ctx, pool, key, e, dup, now); !errors.As(err, &conflict) || conflict.Field != "email" {
		t.Fatalf("duplicate in other case: %v", err)
	}

	if _, _, err := registration.Register(ctx, pool, key, e, person(2), e.StartsAt); !errors.As(err, &conflict) {
		t.Errorf("after registration closed: %v", err)
	}
	one := 1
	full := newEvent(t, pool, func(in *event.Input) { in.Capacity = &one; in.Waitlist = false; in.Slug = "voll" })
	registration.Register(ctx, pool, key, full, person(1), now)
	if _, _, err := registration.Register(ctx, pool, key, full, person(2), now); !errors.As(err, &conflict) {
		t.Errorf("full without waitlist: %v", err)
	}
	cancelled, _ := event.Cancel(ctx, pool, e, "", now)
	if _, _, err := registration.Register(ctx, pool, key, cancelled, person(3), now); !errors.As(err, &conflict) {
		t.Errorf("cancelled event: %v", err)
	}

	bad := registration.Input{Name: " ", Email: "kein-mail", Consent: false, Language: "fr",
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Mutigen"`), "farbe": json.RawMessage(`"blau"`)}}
	_, _, err := registration.Register(ctx, pool, key, full, bad, now)
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("bad input: %v", err)
	}
	for _, f := range []string{"name", "email", "consent", "language", "answers.kommunentyp", "answers.farbe"} {
		if !v.Has(f) {
			t.Errorf("bad input does not name %s: %+v", f, v.Fields)
		}
	}
	missing := person(4)
	missing.Answers = nil
	if _, _, err := registration.Register(ctx, pool, key, full, missing, now); !errors.As(err, &v) || !v.Has("answers.kommunentyp") {
		t.Errorf("required answer missing: %v", err)
	}
}

// An attendee can erase their data: the seat goes to the next in line, the token stops working
// and nothing personal remains.
func TestErase(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	one := 1
	e := newEvent(t, pool, func(in *event.Input) { in.Capacity = &one })
	_, token, _ := registration.Register(ctx, pool, key, e, person(1), now)
	registration.Register(ctx, pool, key, e, person(2), now)

	promoted, err := registration.Erase(ctx, pool, token, now)
	if err != nil || promoted == nil || promoted.Email != "person2@kommune.example" {
		t.Fatalf("erase: promoted %+v, %v", promoted, err)
	}
	if _, err := registration.ByToken(ctx, pool, token); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("token still works: %v", err)
	}
	var left int
	pool.Get(&left, `SELECT count(*) FROM registrations WHERE email LIKE 'person1%' OR name = 'Person 1'`)
	if left != 0 {
		t.Error("personal data remains after erasure")
	}
	// The address is free again.
	if _, _, err := registration.Register(ctx, pool, key, e, person(1), now); err != nil {
		t.Errorf("registering again after erasure: %v", err)
	}
}

// A registration left unconfirmed past the deadline can no longer be confirmed and stops counting.
func TestUnconfirmedRegistrationsExpire(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, func(in *event.Input) { in.DoubleOptIn = true })
	_, oldToken, _ := registration.Register(ctx, pool, key, e, person(1), now)
	_, freshToken, _ := registration.Register(ctx, pool, key, e, person(2), now)
	pool.MustExec(`UPDATE registrations SET created_at = now() - interval '49 hours' WHERE email = 'person1@kommune.example'`)

	deadline := time.Now().Add(-48 * time.Hour)
	var conflict *domain.ConflictError
	if _, err := registration.Confirm(ctx, pool, oldToken, now, deadline); !errors.As(err, &conflict) || conflict.Code != "expired" {
		t.Fatalf("confirming after 49 hours: %v", err)
	}
	n, err := registration.ExpirePending(ctx, pool, deadline)
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	if c, _ := registration.CountsOf(ctx, pool, e.ID); c.Pending != 1 {
		t.Errorf("pending after expiry: %d, want only the fresh one", c.Pending)
	}
	if r, err := registration.Confirm(ctx, pool, freshToken, now, deadline); err != nil || r.Status != registration.StatusConfirmed {
		t.Errorf("fresh registration: %+v %v", r, err)
	}
	// The expired address may register again.
	if _, _, err := registration.Register(ctx, pool, key, e, person(1), now); err != nil {
		t.Errorf("registering again after expiry: %v", err)
	}
}
