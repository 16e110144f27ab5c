package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// outboxRow is what the organizer sees of the invite mailed to a registration.
type outboxRow struct {
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
}

func outboxOf(t *testing.T, pool interface {
	Get(any, string, ...any) error
}, email string) outboxRow {
	t.Helper()
	var row outboxRow
	if err := pool.Get(&row, `SELECT o.status, o.attempts, o.last_error FROM outbox o
		JOIN registrations r ON r.id = o.registration_id WHERE r.email = $1 AND o.kind = 'registered'`, email); err != nil {
		t.Fatal(err)
	}
	return row
}

// runFor runs w until ctx ends and reports when it has returned.
func runFor(ctx context.Context, w *mail.Worker) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return done
}

// An invite for an event stored on 31.12.9999 (New Year 10000 in UTC) once made the worker loop
// until memory ran out, on every start, and all mail stopped. Now the message is marked failed
// with its reason at the first try, and the worker goes on to send the others, also after a
// restart.
func TestMessageThatCannotBeRenderedIsMarkedFailed(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	far := newEvent(t, pool, "Silvester 9999", false)
	register(t, pool, far, "Anna Meyer", "anna@example.org")
	pool.MustExec(`UPDATE events SET starts_at = '9999-12-31T20:00:00-14:00', ends_at = '9999-12-31T21:00:00-14:00',
		registration_closes_at = '9999-12-31T20:00:00-14:00' WHERE id = $1`, far.ID)
	register(t, pool, newEvent(t, pool, "Sprechstunde", false), "Max", "max@example.org")

	for _, run := range []string{"first start", "restart"} {
		w := newWorker(t, pool, smtp)
		w.Concurrency = 1 // one worker, so the broken message comes first and cannot be passed by
		ctx, stop := context.WithCancel(context.Background())
		done := runFor(ctx, w)
		if run == "first start" {
			smtp.Wait(t, 1, 15*time.Second)
		} else {
			time.Sleep(200 * time.Millisecond)
		}
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the worker did not stop", run)
		}
	}

	if msgs := smtp.Messages(); len(msgs) != 1 || msgs[0].To[0] != "max@example.org" {
		t.Fatalf("received %+v, want Max's message only", msgs)
	}
	row := outboxOf(t, pool, "anna@example.org")
	if row.Status != "failed" || row.Attempts != 1 || row.LastError == nil || !strings.Contains(*row.LastError, "outside the years 1900 to 2200") {
		t.Errorf("the broken message: %+v %v", row, deref(row.LastError))
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// panickySender panics for one recipient and delivers everything else.
type panickySender struct {
	mail.Sender
	victim string
}

func (p panickySender) Send(ctx context.Context, msg *gomail.Msg) error {
	if to, _ := msg.GetRecipients(); len(to) == 1 && strings.Contains(to[0], p.victim) {
		panic("go-mail fell over")
	}
	return p.Sender.Send(ctx, msg)
}

// A panic while a message is rendered or sent stops that message only: it is marked failed with
// the panic as its reason, and the worker keeps sending.
func TestPanicStopsOneMessageNotTheWorker(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Sprechstunde", false)
	register(t, pool, e, "Anna", "anna@example.org")
	register(t, pool, e, "Max", "max@example.org")

	w := newWorker(t, pool, smtp)
	w.Concurrency = 1
	w.Sender = panickySender{Sender: w.Sender, victim: "anna@"}
	ctx, stop := context.WithCancel(context.Background())
	done := runFor(ctx, w)
	smtp.Wait(t, 1, 15*time.Second)
	stop()
	<-done

	if msgs := smtp.Messages(); len(msgs) != 1 || msgs[0].To[0] != "max@example.org" {
		t.Fatalf("received %+v", msgs)
	}
	if row := outboxOf(t, pool, "anna@example.org"); row.Status != "failed" || !strings.Contains(deref(row.LastError), "panic: go-mail fell over") {
		t.Errorf("the message that panicked: %+v %s", row, deref(row.LastError))
	}
}
