package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// Worker sends due outbox messages. Any number of workers, in any number of processes, may run:
// each message is claimed with FOR UPDATE SKIP LOCKED and marked sent in the same transaction.
// Delivery is at least once: a worker that dies after the mail server took a message but before
// that transaction commits leaves the message queued, and it goes out again, with the same
// Message-ID, so that mail clients show it once.
type Worker struct {
	Pool     *sqlx.DB
	Sender   Sender
	Renderer *Renderer
	Log      *slog.Logger
	Now      func() time.Time
	// Concurrency is the number of messages sent at once (default 4).
	Concurrency int
	// Poll is how long an idle worker waits before looking again (default 1 s).
	Poll time.Duration
	// RetryBase is the first retry delay; each further attempt doubles it, up to an hour
	// (default 30 s).
	RetryBase time.Duration
	// MaxAttempts after which a message is marked failed (default 10: about 4 hours of trying).
	MaxAttempts int
}

const maxRetryDelay = time.Hour

func (w *Worker) defaults() {
	if w.Concurrency == 0 {
		w.Concurrency = 4
	}
	if w.Poll == 0 {
		w.Poll = time.Second
	}
	if w.RetryBase == 0 {
		w.RetryBase = 30 * time.Second
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = 10
	}
	if w.Now == nil {
		w.Now = time.Now
	}
}

// Run sends messages until ctx ends; a message being sent then is finished first.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	done := make(chan struct{})
	for range w.Concurrency {
		go func() {
			defer func() { done <- struct{}{} }()
			w.loop(ctx)
		}()
	}
	for range w.Concurrency {
		<-done
	}
}

func (w *Worker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		// A message in flight finishes even when shutdown begins, so it is not sent twice.
		sent, err := w.sendOneSurviving(context.WithoutCancel(ctx))
		if err != nil {
			w.Log.Error("mail worker", "error", err)
		}
		if sent && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.Poll):
		}
	}
}

// sendOneSurviving is SendOne for the worker's loop: a panic outside a message's delivery (which
// deliver recovers itself) becomes an error, so that the loop waits and carries on.
func (w *Worker) sendOneSurviving(ctx context.Context) (sent bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("mail: panic: %v\n%s", v, debug.Stack())
		}
	}()
	return w.SendOne(ctx)
}

// SendOne claims one due message and tries to send it. It reports whether there was one.
func (w *Worker) SendOne(ctx context.Context) (bool, error) {
	w.defaults()
	found := false
	err := db.InTx(ctx, w.Pool, func(tx *sqlx.Tx) error {
		var m struct {
			ID             int64  `db:"id"`
			MessageID      string `db:"message_id"`
			Kind           string `db:"kind"`
			RegistrationID int64  `db:"registration_id"`
			Attempts       int    `db:"attempts"`
		}
		query := `SELECT id, message_id, kind, registration_id, attempts FROM outbox
			WHERE status = 'queued' AND due_at <= $1
			ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`
		err := sqlx.GetContext(ctx, tx, &m, query, w.Now())
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mail: claim: %w", err)
		}
		found = true
		sendErr := w.deliver(ctx, tx, m.ID, m.MessageID, m.Kind, m.RegistrationID)
		return w.record(ctx, tx, m.ID, m.Kind, m.Attempts+1, sendErr)
	})
	return found, err
}

// unsendableError is a message that cannot be sent as it is: rendering it failed, or rendering or
// sending it panicked. Trying again would fail the same way, so it is marked failed at once with
// the reason, which the organizer sees beside a retry button, and the worker goes on.
type unsendableError struct{ err error }

func (e *unsendableError) Error() string { return "the message cannot be sent: " + e.err.Error() }
func (e *unsendableError) Unwrap() error { return e.err }

// deliver renders and sends one message, with the event as it is now. A panic on the way stops
// this message only, not the worker, which would otherwise die on it again at every start.
func (w *Worker) deliver(ctx context.Context, tx *sqlx.Tx, id int64, messageID, kind string, registrationID int64) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.Log.Error("mail worker recovered from a panic", "outbox_id", id, "kind", kind, "stack", string(debug.Stack()))
			err = &unsendableError{fmt.Errorf("panic: %v", v)}
		}
	}()
	var r struct {
		Recipient
		EventID int64 `db:"event_id"`
		Erased  bool  `db:"erased"`
	}
	query := `SELECT id AS registrationid, name, email, language, status, token_salt AS tokensalt,
			confirmed_at IS NOT NULL AS hadseat, event_id, erased_at IS NOT NULL AS erased
		FROM registrations WHERE id = $1`
	if err := sqlx.GetContext(ctx, tx, &r, query, registrationID); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	if r.Erased {
		return errRecipientErased
	}
	e, err := event.ByID(ctx, tx, r.EventID)
	if err != nil {
		return err
	}
	now := w.Now()
	if !stillApplies(kind, r.Status, e, now) {
		return errNoLongerApplies
	}
	agenda, err := panel.Agenda(ctx, tx, e.ID)
	if err != nil {
		return err
	}
	msg, err := w.Renderer.Render(Message{OutboxID: id, MessageID: messageID, Kind: kind, Recipient: r.Recipient, Event: e, Agenda: agenda, Now: now})
	if err != nil {
		return &unsendableError{err}
	}
	sendCtx, cancel := context.WithTimeout(ctx, smtpTimeout+5*time.Second)
	defer cancel()
	if err := w.Sender.Send(sendCtx, msg); err != nil {
		return withoutRecipient(err, r.Name, r.Email)
	}
	return nil
}

// stillApplies tells whether a message that has come due still makes sense: a reminder only
// for a seat at an event that has not started, an update only for someone still registered, the
// news of a seat only to someone who still holds it (who cancelled or was moved meanwhile gets
// the message about that instead).
func stillApplies(kind, status string, e *event.Event, now time.Time) bool {
	switch kind {
	case KindRegistered, KindPromoted:
		return status == "confirmed" && e.Status == event.StatusPublished
	case KindReminder:
		return status == "confirmed" && e.Status == event.StatusPublished && now.Before(e.StartsAt)
	case KindUpdated:
		return (status == "pending" || status == "confirmed") && e.Status == event.StatusPublished
	}
	return true
}

var errNoLongerApplies = errors.New("the message no longer applies")

var errRecipientErased = errors.New("the recipient's data has been erased")

// record notes the outcome: sent, retried later with exponential backoff and jitter, or failed
// for good (permanent refusal, erased recipient, or too many attempts).
func (w *Worker) record(ctx context.Context, tx *sqlx.Tx, id int64, kind string, attempts int, sendErr error) error {
	now := w.Now()
	reason := ""
	if sendErr != nil {
		// The reason must be storable, or the message could never leave the queue.
		reason = strings.ReplaceAll(strings.ToValidUTF8(sendErr.Error(), "\uFFFD"), "\x00", "")
	}
	if sendErr == nil {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1`, id, attempts, now)
		if err == nil {
			w.Log.Info("mail sent", "outbox_id", id, "kind", kind, "attempts", attempts)
		}
		return err
	}
	if errors.Is(sendErr, errNoLongerApplies) {
		w.Log.Info("mail dropped", "outbox_id", id, "kind", kind)
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'dropped', attempts = $2, last_error = $3 WHERE id = $1`, id, attempts, reason)
		return err
	}
	// The error text may quote the recipient address; only its kind goes to the log.
	var unsendable *unsendableError
	if isPermanent(sendErr) || errors.Is(sendErr, errRecipientErased) || errors.As(sendErr, &unsendable) || attempts >= w.MaxAttempts {
		w.Log.Warn("mail failed for good", "outbox_id", id, "kind", kind, "attempts", attempts, "unsendable", unsendable != nil)
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1`, id, attempts, reason)
		return err
	}
	delay := w.RetryBase << (attempts - 1)
	if delay > maxRetryDelay || delay <= 0 {
		delay = maxRetryDelay
	}
	// ±20 % jitter keeps workers from retrying in lockstep against a recovering server.
	delay = time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64()))
	w.Log.Warn("mail will be retried", "outbox_id", id, "kind", kind, "attempts", attempts, "retry_in", delay.Round(time.Millisecond))
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = $2, last_error = $3, due_at = $4 WHERE id = $1`, id, attempts, reason, now.Add(delay))
	return err
}
