package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// killLease is the lease of the worker processes in the SIGKILL scenario: how long the messages
// of the killed worker wait before another claims them.
const killLease = 10 * time.Second

// refusal: n due reminders while the mail server refuses every message (451) for b.refuseFor,
// then accepts; the worker runs with its default backoff. Nothing may be lost, nothing sent twice.
func (b *bench) refusal(ctx context.Context, d *dispatch, n int) error {
	e, _, err := d.queueReminders(ctx, n)
	if err != nil {
		return err
	}
	before, refusedBefore := len(d.sink.Messages()), d.sink.Refused()
	d.sink.RefuseAll(true)
	w := b.worker(d)
	workerCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(workerCtx); close(done) }()
	time.Sleep(b.refuseFor)
	d.sink.RefuseAll(false)
	accepted := time.Now()
	err = waitSent(ctx, d, e, 10*time.Minute)
	took := time.Since(accepted)
	time.Sleep(time.Second) // room for a wrong second delivery
	stop()
	<-done
	w.Sender.(*mail.SMTPSender).Close()
	if err != nil {
		return err
	}
	lost, twice, _ := tally(d.sink.Messages()[before:], n)
	name := fmt.Sprintf("6 SMTP refuses for %s, then accepts (%d due)", b.refuseFor, n)
	b.add(result{Scenario: name, Value: float64(lost), Unit: "lost", Target: "0 lost, none twice", Met: met(lost == 0 && twice == 0),
		Note: fmt.Sprintf("%d refusals; all delivered %s after the server accepted again; %d twice",
			d.sink.Refused()-refusedBefore, took.Round(time.Millisecond), twice)})
	return nil
}

// killed: n due reminders sent by `podium worker`, which is killed with SIGKILL once a third went
// out; a second `podium worker` finishes. Nothing may be lost, and every message sent again (the
// ones in flight at the kill) must carry the Message-ID of its first delivery.
func (b *bench) killed(ctx context.Context, d *dispatch, n int) error {
	e, _, err := d.queueReminders(ctx, n)
	if err != nil {
		return err
	}
	before, count := len(d.sink.Messages()), d.sink.Count()
	first, err := b.startWorker(d)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for d.sink.Count()-count < n/3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	first.Wait() //nolint:errcheck // killed on purpose
	killedAt, beforeKill := time.Now(), d.sink.Count()-count

	second, err := b.startWorker(d)
	if err != nil {
		return err
	}
	err = waitSent(ctx, d, e, 5*time.Minute)
	took := time.Since(killedAt)
	time.Sleep(time.Second) // room for a wrong further delivery
	second.Process.Signal(syscall.SIGTERM)
	second.Wait() //nolint:errcheck // its exit status says nothing about the mail
	if err != nil {
		return err
	}
	lost, twice, otherID := tally(d.sink.Messages()[before:], n)
	b.add(result{Scenario: fmt.Sprintf("6 worker killed with SIGKILL mid-batch (%d due)", n), Value: float64(lost), Unit: "lost",
		Target: "0 lost, resends keep their Message-ID", Met: met(lost == 0 && otherID == 0),
		Note: fmt.Sprintf("killed after %d sent; %d sent again, %d of them with another Message-ID; all sent %s after the kill (lease %s)",
			beforeKill, twice, otherID, took.Round(time.Millisecond), killLease)})
	return nil
}

// startWorker starts `podium worker` sending to the sink.
func (b *bench) startWorker(d *dispatch) (*exec.Cmd, error) {
	cmd := exec.Command(b.binary, "worker")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+b.dbURL, "PODIUM_SECRET="+string(d.key), "PODIUM_SMTP_URL="+d.sink.URL(),
		"PODIUM_BASE_URL=https://podium.example.org", "PODIUM_LOG_LEVEL=warn",
		"PODIUM_MAIL_LEASE="+killLease.String(), fmt.Sprintf("PODIUM_MAIL_CONCURRENCY=%d", b.mailConcurrency))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s worker: %w", b.binary, err)
	}
	return cmd, nil
}

// waitSent waits until no reminder of the event is queued any more.
func waitSent(ctx context.Context, d *dispatch, e *event.Event, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var queued int
		err := d.pool.GetContext(ctx, &queued, `SELECT count(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id
			WHERE r.event_id = $1 AND o.status = 'queued'`, e.ID)
		if err != nil {
			return err
		}
		if queued == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d reminders still queued after %s", queued, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tally reads the deliveries of n reminders, one to each recipient: how many recipients got
// none, how many deliveries were a second one, and how many of those carried another Message-ID
// than the first.
func tally(msgs []mailtest.Message, n int) (lost, twice, otherID int) {
	first := map[string]string{}
	for _, m := range msgs {
		to := m.To[0]
		id, seen := first[to]
		switch {
		case !seen:
			first[to] = m.MessageID
		case id == m.MessageID:
			twice++
		default:
			twice++
			otherID++
		}
	}
	return n - len(first), twice, otherID
}
