package main

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// reminders: n due reminders sent by the outbox worker to the SMTP sink, against a bare go-mail
// loop sending one pre-rendered message n times at the same concurrency (the mail ceiling).
func (b *bench) reminders(ctx context.Context, n int) error {
	s, err := b.dispatchSetup(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	e, err := newEvent(ctx, s.server, "Bench Erinnerungen", nil, false)
	if err != nil {
		return err
	}
	// Earlier scenarios left mail in the outbox; only these reminders are to go now.
	if _, err := s.pool.ExecContext(ctx, `UPDATE outbox SET status = 'dropped' WHERE status = 'queued'`); err != nil {
		return err
	}
	_, err = s.pool.ExecContext(ctx, `WITH r AS (
			INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, token_salt, confirmed_at)
			SELECT $1::bigint, 'confirmed', 'Teilnehmer ' || i, 'erinnerung' || i || '@kommune.example', now(),
				sha256(convert_to('r' || $1::text || '-' || i, 'UTF8')), '\x01', now()
			FROM generate_series(1, $2) AS i RETURNING id)
		INSERT INTO outbox (dedupe_key, kind, registration_id, due_at) SELECT 'bench:' || id, 'reminder', id, now() FROM r`, e.ID, n)
	if err != nil {
		return fmt.Errorf("reminders: %w", err)
	}

	w := &mail.Worker{Pool: s.pool, Sender: mail.NewSMTPSender(s.sink.Config()), Renderer: s.renderer, Log: slog.New(slog.DiscardHandler),
		Poll: 10 * time.Millisecond}
	workerCtx, stop := context.WithCancel(ctx)
	start, sent := time.Now(), s.sink.Count()
	done := make(chan struct{})
	go func() { w.Run(workerCtx); close(done) }()
	for s.sink.Count()-sent < n && time.Since(start) < 10*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	stop()
	<-done
	worker := float64(s.sink.Count()-sent) / took.Seconds()

	sender := mail.NewSMTPSender(s.sink.Config())
	start, sent = time.Now(), s.sink.Count()
	var wg sync.WaitGroup
	per := n / 4
	for range 4 { // the worker's default concurrency; a go-mail message is not shared between goroutines
		msg, err := s.renderer.Render(mail.Message{OutboxID: 1, Kind: mail.KindReminder, Event: e, Now: time.Now(),
			Recipient: mail.Recipient{Name: "Teilnehmer", Email: "erinnerung@kommune.example", Language: "de", Status: "confirmed", TokenSalt: []byte{1}}})
		if err != nil {
			return err
		}
		wg.Go(func() {
			for range per {
				sender.Send(ctx, msg)
			}
		})
	}
	wg.Wait()
	bare := float64(s.sink.Count()-sent) / time.Since(start).Seconds()
	b.add(result{Scenario: fmt.Sprintf("6 reminder dispatch, %d due", n), Value: worker, Unit: "mails/s", Ceiling: bare, Against: "bare go-mail loop",
		Note: fmt.Sprintf("all sent in %s", took.Round(time.Millisecond))})
	return nil
}

// runMeasured runs cmd and returns its peak resident memory, read from VmHWM while it runs:
// the rusage of a child also counts the memory of the parent it was forked from.
func runMeasured(cmd *exec.Cmd) (int64, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	for {
		if hwm := statusKB(cmd.Process.Pid, "VmHWM:") * 1024; hwm > peak {
			peak = hwm
		}
		select {
		case err := <-done:
			if err != nil {
				return 0, fmt.Errorf("%v\n%s", err, out.String())
			}
			return peak, nil
		case <-time.After(5 * time.Millisecond):
		}
	}
}

type dispatch struct {
	*server
	renderer *mail.Renderer
	close    func()
}

// dispatchSetup gives the reminder scenario a renderer and its own SMTP sink.
func (b *bench) dispatchSetup(ctx context.Context) (*dispatch, error) {
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse("https://podium.example.org")
	renderer, err := mail.NewRenderer(messages, base, &netmail.Address{Name: "Podium", Address: "podium@podium.example.org"}, auth.ManageKey(randomHex(32)))
	if err != nil {
		return nil, err
	}
	sink, stopSink, err := mailtest.Listen(true)
	if err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, b.dbURL, 8)
	if err != nil {
		stopSink()
		return nil, err
	}
	s := &server{pool: pool, sink: sink}
	return &dispatch{server: s, renderer: renderer, close: func() { pool.Close(); stopSink() }}, nil
}
