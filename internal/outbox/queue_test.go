package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
)

var key = auth.ManageKey("a test secret of at least 32 bytes")

// registered registers n people for a new published event without double opt-in, which queues
// one "registered" message each, due at once, and returns their registration ids.
func registered(t *testing.T, pool *sqlx.DB, n int) []int64 {
	t.Helper()
	in := event.NewInput()
	in.Title = "Digitale Kommune"
	in.StartsAt = time.Now().Add(14 * 24 * time.Hour).Truncate(time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.Status, in.DoubleOptIn = event.StatusPublished, false
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range n {
		r, _, err := registration.Register(context.Background(), pool, key, e, registration.Input{Name: fmt.Sprintf("Person %d", i),
			Email: fmt.Sprintf("p%d@example.org", i), Consent: true, Answers: map[string]json.RawMessage{}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func queue(pool *sqlx.DB, name string, lease time.Duration) *outbox.Queue {
	return &outbox.Queue{DB: pool, Name: name, Lease: lease,
		Backoff: outbox.Backoff{Base: time.Minute, Max: time.Hour, Attempts: 3}}
}

// record records one result and returns its outcome as recorded.
func record(t *testing.T, q *outbox.Queue, r outbox.Result) outbox.Outcome {
	t.Helper()
	recorded, err := q.Record(context.Background(), []outbox.Result{r})
	if err != nil {
		t.Fatal(err)
	}
	return recorded[0].Outcome
}

func claim(t *testing.T, q *outbox.Queue, limit int) []outbox.Message {
	t.Helper()
	ms, _, err := q.Claim(context.Background(), time.Now(), limit)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// A claimed message is the claiming worker's alone until its lease runs out; then any worker may
// claim it, and it is the same message, with the same Message-ID. Only the worker holding the
// lease records an outcome.
func TestLeases(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	registered(t, pool, 3)
	const lease = 500 * time.Millisecond
	a, b := queue(pool, "a", lease), queue(pool, "b", lease)

	mine := claim(t, a, 2)
	if len(mine) != 2 || mine[0].ID > mine[1].ID {
		t.Fatalf("a claimed %+v, want the two oldest, oldest first", mine)
	}
	if rest := claim(t, b, 10); len(rest) != 1 || rest[0].ID == mine[0].ID || rest[0].ID == mine[1].ID {
		t.Fatalf("b claimed %+v, want only the message a does not hold", rest)
	}
	if none := claim(t, b, 10); len(none) != 0 {
		t.Fatalf("b claimed %d messages held by leases", len(none))
	}

	time.Sleep(lease + 100*time.Millisecond)
	again := claim(t, b, 10)
	if len(again) != 3 {
		t.Fatalf("after the leases ran out b claimed %d messages, want all 3", len(again))
	}
	if again[0].ID != mine[0].ID || again[0].MessageID != mine[0].MessageID || again[0].MessageID == again[1].MessageID {
		t.Errorf("claimed again: %+v, first claimed %+v: want the same message with its own Message-ID", again[0], mine[0])
	}
	if outcome := record(t, a, a.Sent(mine[0], time.Now())); outcome != outbox.Lost {
		t.Errorf("a, whose lease ran out, recorded %q, want lost", outcome)
	}
	if outcome := record(t, b, b.Sent(again[0], time.Now())); outcome != outbox.Sent {
		t.Errorf("b, holding the lease, recorded %q, want sent", outcome)
	}
	var status string
	var attempts int
	pool.QueryRow(`SELECT status, attempts FROM outbox WHERE id = $1`, again[0].ID).Scan(&status, &attempts)
	if status != "sent" || attempts != 1 {
		t.Errorf("outbox says %s after %d attempts, want sent after 1", status, attempts)
	}
}

// A worker that renews its leases keeps its messages past the first lease; one that releases
// them hands them to the next worker at once.
func TestRenewAndRelease(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	registered(t, pool, 2)
	const lease = 400 * time.Millisecond
	a, b := queue(pool, "a", lease), queue(pool, "b", lease)
	mine := claim(t, a, 2)
	ids := []int64{mine[0].ID, mine[1].ID}

	time.Sleep(lease / 2)
	renewed, until, err := a.Renew(context.Background(), ids)
	if err != nil || len(renewed) != 2 || time.Until(until) < lease*3/4 {
		t.Fatalf("renewed %v until %v (%v)", renewed, until, err)
	}
	time.Sleep(lease * 3 / 4)
	if got := claim(t, b, 10); len(got) != 0 {
		t.Fatalf("b claimed %d messages whose lease a renewed", len(got))
	}
	if err := a.Release(context.Background(), ids[:1]); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, b, 10); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("b claimed %+v, want the released message only", got)
	}
	if renewed, _, _ := a.Renew(context.Background(), ids); len(renewed) != 1 || renewed[0] != ids[1] {
		t.Errorf("a renewed %v, want only the message it still holds", renewed)
	}
}

// A message the server refuses for now is due again after the backoff, with its attempts counted
// and the reason kept; after the last attempt, or a permanent refusal, it fails for good.
func TestFailuresBackOffThenFail(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	registered(t, pool, 1)
	ctx := context.Background()
	q := queue(pool, "a", time.Minute)
	now := time.Now()
	var dues []time.Duration
	for attempt := 1; ; attempt++ {
		ms, _, err := q.Claim(ctx, now.Add(24*time.Hour), 1)
		if err != nil || len(ms) != 1 {
			t.Fatalf("attempt %d: claimed %v (%v)", attempt, ms, err)
		}
		result := q.Failure(ms[0], "451 4.3.0 try again later", false, now)
		outcome, delay := record(t, q, result), result.RetryAt.Sub(now)
		if attempt == 3 {
			if outcome != outbox.Failed {
				t.Fatalf("after the last attempt: %q, want failed", outcome)
			}
			break
		}
		if outcome != outbox.Retried {
			t.Fatalf("attempt %d: %q, want retried", attempt, outcome)
		}
		var due time.Time
		pool.Get(&due, `SELECT due_at FROM outbox WHERE id = $1`, ms[0].ID)
		if got := due.Sub(now); got < delay-time.Millisecond || got > delay+time.Millisecond {
			t.Errorf("attempt %d: due again in %v, want %v", attempt, got, delay)
		}
		dues = append(dues, delay)
	}
	if dues[0] < 48*time.Second || dues[0] > 72*time.Second || dues[1] < 96*time.Second || dues[1] > 144*time.Second {
		t.Errorf("delays %v, want about 1 min, then about 2 min", dues)
	}

	registered(t, pool, 1)
	ms := claim(t, q, 1)
	if outcome := record(t, q, q.Failure(ms[0], "550 5.1.1 user unknown", true, now)); outcome != outbox.Failed {
		t.Errorf("a permanent refusal: %q, want failed at once", outcome)
	}
	type row struct {
		Status    string `db:"status"`
		Attempts  int    `db:"attempts"`
		LastError string `db:"last_error"`
	}
	var rows []row
	pool.Select(&rows, `SELECT status, attempts, last_error FROM outbox WHERE kind = 'registered' ORDER BY id`)
	want := []row{{"failed", 3, "451 4.3.0 try again later"}, {"failed", 1, "550 5.1.1 user unknown"}}
	if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
		t.Errorf("outbox %+v, want %+v", rows, want)
	}
}

// A message is queued once per registration and kind, however often it is asked for; each row
// has a Message-ID of its own from the start.
func TestEnqueueOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ids := registered(t, pool, 2)
	ctx := context.Background()
	for range 3 {
		for _, id := range ids {
			if err := outbox.Enqueue(ctx, pool, outbox.KindCancelled, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	var messageIDs []string
	pool.Select(&messageIDs, `SELECT message_id FROM outbox WHERE kind = 'cancelled'`)
	if len(messageIDs) != 2 || messageIDs[0] == messageIDs[1] || messageIDs[0] == "" {
		t.Errorf("Message-IDs of the queued cancellations: %v, want two different", messageIDs)
	}
}

// Withdrawing a kind of message leaves the one a worker holds (it is on its way); forgetting an
// erased person deletes even that, and the reasons of their failed messages, which name them.
func TestWithdrawAndForget(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ids := registered(t, pool, 3)
	ctx := context.Background()
	q := queue(pool, "a", time.Minute)
	held := claim(t, q, 1)[0]
	failed := claim(t, q, 1)[0]
	record(t, q, q.Failure(failed, "550 <p1@example.org>: unknown", true, time.Now()))

	everyone := outbox.Query{SQL: `SELECT unnest($1::bigint[]) AS registration_id`, Args: []any{ids}}
	if err := outbox.Withdraw(ctx, pool, outbox.KindRegistered, everyone); err != nil {
		t.Fatal(err)
	}
	var left []int64
	pool.Select(&left, `SELECT id FROM outbox WHERE kind = 'registered' AND status = 'queued'`)
	if len(left) != 1 || left[0] != held.ID {
		t.Fatalf("queued after withdrawing: %v, want only the held message %d", left, held.ID)
	}

	if err := outbox.Forget(ctx, pool, []int64{held.RegistrationID, failed.RegistrationID}); err != nil {
		t.Fatal(err)
	}
	var queued, named int
	pool.Get(&queued, `SELECT count(*) FROM outbox WHERE status = 'queued' AND kind = 'registered'`)
	pool.Get(&named, `SELECT count(*) FROM outbox WHERE last_error IS NOT NULL`)
	if queued != 0 || named != 0 {
		t.Errorf("after forgetting: %d queued, %d errors kept, want none", queued, named)
	}
	if outcome := record(t, q, q.Sent(held, time.Now())); outcome != outbox.Lost {
		t.Errorf("recording the forgotten message: %q, want lost", outcome)
	}
}

// A worker renews the leases of what it holds while it records outcomes of the same messages,
// and an erasure may forget some of them at the same moment: none of them waits for another in a
// circle (PostgreSQL would abort one with "deadlock detected").
func TestRenewRecordAndForgetNeverDeadlock(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ids := registered(t, pool, 120)
	q := queue(pool, "a", time.Minute)
	ctx := context.Background()
	for round := range 10 {
		if round > 0 {
			pool.MustExec(`UPDATE outbox SET status = 'queued', leased_by = NULL, leased_until = NULL WHERE status <> 'queued'`)
		}
		ms := claim(t, q, len(ids))
		held := make([]int64, len(ms))
		results := make([]outbox.Result, len(ms))
		for i, m := range ms {
			held[i] = m.ID
			results[len(ms)-1-i] = q.Sent(m, time.Now()) // recorded in the opposite order
		}
		errs := make(chan error, 3)
		go func() {
			_, _, err := q.Renew(ctx, held)
			errs <- err
		}()
		go func() {
			_, err := q.Record(ctx, results)
			errs <- err
		}()
		go func() {
			errs <- outbox.Forget(ctx, pool, ids[:len(ids)/2])
		}()
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
