package main

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
)

// dispatch is what the mail scenarios share: a pool, an SMTP sink of their own and a renderer.
type dispatch struct {
	pool     *sqlx.DB
	sink     *mailtest.Server
	renderer *mail.Renderer
	key      auth.ManageKey
	close    func()
}

// dispatchSetup gives the mail scenarios a renderer and their own SMTP sink.
func (b *bench) dispatchSetup(ctx context.Context) (*dispatch, error) {
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse("https://podium.example.org")
	renderer, err := mail.NewRenderer(messages, base, &netmail.Address{Name: "Podium", Address: "podium@podium.example.org"})
	if err != nil {
		return nil, err
	}
	sink, stopSink, err := mailtest.Listen(true)
	if err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, b.dbURL, 16)
	if err != nil {
		stopSink()
		return nil, err
	}
	return &dispatch{pool: pool, sink: sink, renderer: renderer, key: auth.ManageKey(randomHex(32)),
		close: func() { pool.Close(); stopSink() }}, nil
}

// reminders runs the mail scenarios: dispatch of each size against its ceiling, a mail server
// that refuses for a while, and a worker killed mid-batch.
func (b *bench) reminders(ctx context.Context, sizes []int) error {
	d, err := b.dispatchSetup(ctx)
	if err != nil {
		return err
	}
	defer d.close()
	// A turn of each, not measured, so that neither pays for the first connections, the first
	// GC cycles of a growing heap or PostgreSQL's cold caches.
	if err := b.warmUp(ctx, d, 2_000); err != nil {
		return err
	}
	for _, n := range sizes {
		if err := b.reminderDispatch(ctx, d, n); err != nil {
			return err
		}
	}
	if err := b.refusal(ctx, d, 2_000); err != nil {
		return err
	}
	return b.killed(ctx, d, 5_000)
}

// queueReminders stores a new event with n people confirmed a day ago, whose one-hour reminder
// is due now, and queues it for them as the worker does when a moment comes near
// (reminder.Queuer), after dropping what earlier scenarios left queued, so that only these go
// now. It returns the event and how long the queueing took.
func (d *dispatch) queueReminders(ctx context.Context, n int) (*event.Event, time.Duration, error) {
	in := event.NewInput()
	in.Title = "Bench Erinnerungen " + randomHex(3)
	in.StartsAt = time.Now().Add(time.Hour - time.Minute)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.ReminderOffsets = []string{"1h"}
	in.OrganizerName, in.OrganizerEmail = "Bench", "bench@example.org"
	in.OnlineURL = "https://konferenz.example.org/raum-7"
	in.Status, in.DoubleOptIn = event.StatusPublished, false
	e, err := event.Create(ctx, d.pool, in, nil)
	if err != nil {
		return nil, 0, err
	}
	if _, err := d.pool.ExecContext(ctx, `UPDATE outbox SET status = 'dropped' WHERE status = 'queued'`); err != nil {
		return nil, 0, err
	}
	_, err = d.pool.ExecContext(ctx, `INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, token_salt, confirmed_at)
			SELECT $1::bigint, 'confirmed', 'Teilnehmer ' || i, 'erinnerung' || i || '@kommune.example', now() - interval '1 day',
				sha256(convert_to('r' || $1::text || '-' || i, 'UTF8')), convert_to(i::text, 'UTF8'), now() - interval '1 day'
			FROM generate_series(1, $2) AS i`, e.ID, n)
	if err != nil {
		return nil, 0, fmt.Errorf("reminders: %w", err)
	}
	start := time.Now()
	queued, err := reminder.Queuer{DB: d.pool}.QueueDue(ctx, time.Now())
	if err != nil {
		return nil, 0, fmt.Errorf("reminders: %w", err)
	}
	if queued != int64(n) {
		return nil, 0, fmt.Errorf("reminders: %d queued, want %d", queued, n)
	}
	return e, time.Since(start), nil
}

// worker returns an outbox worker in this process that sends to the sink.
func (b *bench) worker(d *dispatch) *mail.Worker {
	return &mail.Worker{Pool: d.pool, Directory: registration.Directory{DB: d.pool, Key: d.key},
		Reminders: reminder.Queuer{DB: d.pool}, Sender: mail.NewSMTPSender(d.sink.Config(), mail.DefaultLease), Renderer: d.renderer,
		Log: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond, Concurrency: b.mailConcurrency}
}

// reminderDispatch: n due reminders drained by the outbox worker to the sink, against the fair
// ceiling: a bare go-mail loop with as many goroutines as the worker has senders, each keeping
// its connection open and sending one mail rendered as the worker renders it (bareLoop) over and
// over to the same sink. The load others put on a shared machine changes from second to second,
// so each sends n twice, in the order ceiling, worker, worker, ceiling, and each is measured over
// both of its turns.
func (b *bench) reminderDispatch(ctx context.Context, d *dispatch, n int) error {
	var bareTook, workerTook, queueing time.Duration
	for _, worker := range []bool{false, true, true, false} {
		e, took, err := d.queueReminders(ctx, n)
		if err != nil {
			return err
		}
		queueing += took
		// Queued over days in real life, not a moment before: PostgreSQL's own upkeep after the
		// bulk insert is done before the clock starts, for both alike.
		if _, err := d.pool.ExecContext(ctx, `VACUUM (ANALYZE) outbox, registrations`); err != nil {
			return err
		}
		start := time.Now()
		// Labelled, so that a -cpuprofile tells the two apart (pprof -tagfocus turn=worker).
		if worker {
			pprof.Do(ctx, pprof.Labels("turn", "worker"), func(ctx context.Context) { err = b.drain(ctx, d, n) })
			workerTook += time.Since(start)
		} else {
			pprof.Do(ctx, pprof.Labels("turn", "ceiling"), func(ctx context.Context) { err = b.bareLoop(ctx, d, e, n) })
			bareTook += time.Since(start)
		}
		if err != nil {
			return err
		}
	}
	rate, ceiling := float64(2*n)/workerTook.Seconds(), float64(2*n)/bareTook.Seconds()
	b.add(result{Scenario: fmt.Sprintf("6 reminder dispatch, %d due", n), Value: rate, Unit: "mails/s", Ceiling: ceiling,
		Against: fmt.Sprintf("bare go-mail loop, %d kept connections", b.mailConcurrency), Target: "≥ 0.8", Met: met(rate >= 0.8*ceiling),
		Note: fmt.Sprintf("all sent in %s (mean of 2 turns, between 2 of the ceiling); queued for everyone %s ahead of their moment in %s",
			(workerTook / 2).Round(time.Millisecond), reminder.Ahead, (queueing / 4).Round(time.Millisecond))})
	return nil
}

// warmUp drains n reminders through the worker and sends n through the bare loop, unmeasured.
func (b *bench) warmUp(ctx context.Context, d *dispatch, n int) error {
	e, _, err := d.queueReminders(ctx, n)
	if err != nil {
		return err
	}
	if err := b.drain(ctx, d, n); err != nil {
		return err
	}
	return b.bareLoop(ctx, d, e, n)
}

// drain runs an outbox worker in this process until n more messages reached the sink.
func (b *bench) drain(ctx context.Context, d *dispatch, n int) error {
	w := b.worker(d)
	workerCtx, stop := context.WithCancel(ctx)
	start, sent := time.Now(), d.sink.Count()
	done := make(chan struct{})
	go func() { w.Run(workerCtx); close(done) }()
	for d.sink.Count()-sent < n && time.Since(start) < 30*time.Minute {
		time.Sleep(time.Millisecond)
	}
	stop()
	<-done
	w.Sender.(*mail.SMTPSender).Close()
	if got := d.sink.Count() - sent; got < n {
		return fmt.Errorf("reminders: the worker sent %d of %d in 30 minutes", got, n)
	}
	return nil
}

// bareLoop sends n copies of rendered reminders from as many goroutines as the worker has
// senders, each over one connection it dials once and keeps, set up as the worker's are. Each
// goroutine sends the mail of one of e's queued reminders, rendered as the worker renders it:
// the same headers, tokens and links, so that the ceiling moves as many bytes per mail.
func (b *bench) bareLoop(ctx context.Context, d *dispatch, e *event.Event, n int) error {
	msgs, err := d.queuedMails(ctx, e, b.mailConcurrency)
	if err != nil {
		return fmt.Errorf("bare go-mail loop: %w", err)
	}
	sender := mail.NewSMTPSender(d.sink.Config(), mail.DefaultLease)
	var wg sync.WaitGroup
	errs := make(chan error, b.mailConcurrency)
	for i, msg := range msgs {
		per := n / b.mailConcurrency
		if i < n%b.mailConcurrency {
			per++
		}
		wg.Go(func() {
			client, err := sender.NewClient()
			if err == nil {
				err = client.DialWithContext(ctx)
			}
			if err != nil {
				errs <- err
				return
			}
			defer client.Close()
			for range per {
				if err := client.Send(msg); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("bare go-mail loop: %w", err)
	}
	return nil
}

// queuedMails renders the mails of k of the reminders queued for e as the worker would: their
// outbox entries, recipients and event looked up as it looks them up. A go-mail message is not
// shared between goroutines, so each goroutine of the ceiling gets one of these.
func (d *dispatch) queuedMails(ctx context.Context, e *event.Event, k int) ([]*gomail.Msg, error) {
	var entries []struct {
		ID             int64  `db:"id"`
		MessageID      string `db:"message_id"`
		RegistrationID int64  `db:"registration_id"`
	}
	err := d.pool.SelectContext(ctx, &entries, `SELECT o.id, o.message_id, o.registration_id
		FROM outbox o JOIN registrations r ON r.id = o.registration_id
		WHERE r.event_id = $1 AND o.kind = $2 ORDER BY o.id LIMIT $3`, e.ID, outbox.KindReminder, k)
	if err != nil {
		return nil, err
	}
	if len(entries) < k {
		return nil, fmt.Errorf("%d reminders for the event, want at least %d", len(entries), k)
	}
	directory := registration.Directory{DB: d.pool, Key: d.key}
	ids := make([]int64, len(entries))
	for i, o := range entries {
		ids[i] = o.RegistrationID
	}
	recipients, err := directory.Recipients(ctx, ids)
	if err != nil {
		return nil, err
	}
	ev, agenda, err := directory.Event(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	batch := d.renderer.Batch(ev, agenda, time.Now())
	msgs := make([]*gomail.Msg, len(entries))
	for i, o := range entries {
		if msgs[i], err = batch.Render(o.ID, o.MessageID, outbox.KindReminder, recipients[o.RegistrationID], nil); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}
