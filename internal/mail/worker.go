// Package mail sends Podium's messages: a worker that claims due messages from the outbox
// under a lease and sends them with go-mail over kept connections, the SMTP and file senders,
// and the templates that render the messages. What a message says of its recipient and event it
// asks the domain for (Directory); the outbox table itself belongs to package outbox.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	gomail "github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/notice"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// Directory is what the worker asks the domain about the messages it sends: whom each goes to,
// and the event it is about, as they are when it goes out. The domain packages own that data
// and its SQL; registration.Directory implements this.
type Directory interface {
	// Recipients returns the recipients of the registrations by id, leaving out the erased.
	Recipients(ctx context.Context, registrationIDs []int64) (map[int64]*registration.Recipient, error)
	// Event returns the event with its agenda.
	Event(ctx context.Context, id int64) (*event.Event, []panel.AgendaItem, error)
}

// Reminders is what the worker asks the domain to queue before each pass: reminders are queued
// for everyone when their moment comes near (reminder.Queuer implements this).
type Reminders interface {
	// QueueDue queues the reminders due soon after now and returns how many.
	QueueDue(ctx context.Context, now time.Time) (int64, error)
}

// Worker sends due outbox messages. Any number of workers, in any number of processes, may run.
// A worker claims a batch of due messages in one short statement, which leases them to it; it
// renders each once and sends them outside any transaction, Concurrency at a time, each sender
// over a connection it keeps open; and it records the outcomes in short statements (those of up
// to 50 ms together), each applying only while the lease is its own. It renews the leases of
// the messages it holds; a worker that dies leaves leases that run out, and its messages go to
// whichever worker claims them next.
//
// Delivery is at least once: a worker that dies after the mail server took a message but before
// the outcome was recorded leaves it queued, and it goes out again after its lease ran out, with
// the same Message-ID, so that mail clients show it once. Two workers never send one message at
// the same time: a message is sent only while its lease has at least SendTimeout to run, and a
// send never takes longer.
type Worker struct {
	Pool      *sqlx.DB
	Directory Directory
	// Accounts answers for the messages that carry an account link (invitations, resets).
	Accounts AccountDirectory
	Sender   Sender
	Renderer *Renderer
	// Reminders queues the reminders that come due soon, before each pass; nil queues none.
	Reminders Reminders
	Log       *slog.Logger
	Now       func() time.Time
	// Name names the worker's leases (default: host, process and a random part).
	Name string
	// Concurrency is the number of messages sent at once, each over a connection of its own
	// (default 4).
	Concurrency int
	// Rate bounds the messages sent per second by this worker (default 0: no bound).
	Rate float64
	// Batch is how many messages are claimed at once (default 50 per sender, and no more than
	// two seconds' worth under a Rate).
	Batch int
	// Lease is how long claimed messages stay with the worker unless it renews them, which it
	// does every quarter of it (default 4 min, at least 1.5 × SendTimeout). A crashed worker's
	// messages go out again after this.
	Lease time.Duration
	// SendTimeout is the longest one send takes (default: what the Sender says, if it says,
	// else 30 s).
	SendTimeout time.Duration
	// Poll is how long an idle worker waits before looking again (default 1 s).
	Poll time.Duration
	// RetryBase is the first retry delay; each further attempt doubles it, up to an hour
	// (default 30 s).
	RetryBase time.Duration
	// MaxAttempts after which a message is marked failed (default 10: about 4 hours of trying).
	MaxAttempts int

	setup   sync.Once
	queue   *outbox.Queue
	limiter *rate.Limiter
}

const (
	// DefaultLease is how long claimed messages stay with a worker unless it renews them.
	DefaultLease  = 4 * time.Minute
	maxRetryDelay = time.Hour
	// fresh is how old what a message says of its recipient and event may be when it is sent;
	// older (it waited behind a slow server), it is looked up again, so that a person who
	// cancelled or erased their data meanwhile is not written to.
	fresh = time.Second
)

// init fills in the defaults, once, before the first use.
func (w *Worker) init() {
	w.setup.Do(func() {
		if w.Concurrency <= 0 {
			w.Concurrency = 4
		}
		if w.Batch <= 0 {
			w.Batch = 50 * w.Concurrency
			if w.Rate > 0 {
				w.Batch = max(1, min(w.Batch, int(2*w.Rate)))
			}
		}
		if w.SendTimeout <= 0 {
			w.SendTimeout = 30 * time.Second
			if s, ok := w.Sender.(interface{ Longest() time.Duration }); ok {
				w.SendTimeout = s.Longest()
			}
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		// Renewed every quarter, a lease then always has more than SendTimeout left.
		w.Lease = max(w.Lease, w.SendTimeout*3/2)
		if w.Poll <= 0 {
			w.Poll = time.Second
		}
		if w.RetryBase <= 0 {
			w.RetryBase = 30 * time.Second
		}
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = 10
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Name == "" {
			w.Name = outbox.NewName()
		}
		w.limiter = rate.NewLimiter(rate.Inf, 1)
		if w.Rate > 0 {
			w.limiter = rate.NewLimiter(rate.Limit(w.Rate), 1)
		}
		w.queue = &outbox.Queue{DB: w.Pool, Name: w.Name, Lease: w.Lease,
			Backoff: outbox.Backoff{Base: w.RetryBase, Max: maxRetryDelay, Attempts: w.MaxAttempts}}
	})
}

// Run sends messages until ctx ends. Messages being sent then are finished and recorded; those
// claimed but not yet sent are given back at once.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	for ctx.Err() == nil {
		n, err := w.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("mail worker", "error", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.Poll):
		}
	}
}

// SendDue sends the messages due by the worker's clock, batch after batch, until none is left
// or ctx ends, and returns how many it dealt with: sent, retried later, failed or dropped.
//
// One goroutine claims and renders, each sender sends over its own connection, and one goroutine
// records the outcomes, so that no database round trip is in the senders' way.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	w.init()
	if w.Reminders != nil {
		// Without them queued the pass still sends everything else; the next one tries again.
		if _, err := w.Reminders.QueueDue(ctx, w.Now()); err != nil && ctx.Err() == nil {
			w.Log.Error("mail worker: queueing due reminders", "error", err)
		}
	}
	p := &pass{w: w, held: map[int64]time.Time{}, results: make(chan outbox.Result, w.Batch), events: map[int64]*programme{}}
	var senders sync.WaitGroup
	for range w.Concurrency {
		lane := make(chan *job, w.Batch/w.Concurrency+1)
		p.lanes = append(p.lanes, lane)
		senders.Go(func() {
			for j := range lane {
				if ctx.Err() == nil {
					p.deliver(ctx, j)
				}
			}
		})
	}
	// Outcomes are recorded and leases renewed until the last send ended, also after ctx ended.
	background, stop := context.WithCancel(context.WithoutCancel(ctx))
	recorded, renewed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(recorded)
		p.record(background)
	}()
	go func() {
		defer close(renewed)
		p.renew(background)
	}()
	err := p.claim(ctx)
	for _, lane := range p.lanes {
		close(lane)
	}
	senders.Wait()
	close(p.results)
	<-recorded
	stop()
	<-renewed
	if ids := p.stillHeld(); len(ids) > 0 {
		if relErr := w.queue.Release(context.WithoutCancel(ctx), ids); relErr != nil {
			err = errors.Join(err, relErr)
		}
	}
	return int(p.done.Load()), err
}

// pass is one run of SendDue: the messages it holds, by lease deadline on this process's clock.
type pass struct {
	w *Worker
	// lanes lead to the senders. The messages to one person take the same lane, so that they
	// arrive in the order they were queued (the waitlist notice before the seat).
	lanes   []chan *job
	results chan outbox.Result
	done    atomic.Int64

	// events are the events the claiming goroutine looked up, by id.
	events map[int64]*programme

	mu   sync.Mutex
	held map[int64]time.Time
}

// job is a claimed message, rendered once with its recipient and event as looked up at loaded,
// or with the reason it is not to be sent.
type job struct {
	m           outbox.Message
	msg         *gomail.Msg
	skip        error // errRecipientErased, errNoLongerApplies, or why it could not be rendered
	name, email string
	loaded      time.Time
}

// Outcomes are recorded together: those of up to recordEvery, at most maxRecord in one statement.
// A statement per few messages would cost the database more than the messages themselves (a
// record statement costs about as much as 40 of its rows: 50 ms hold some 200 messages at full
// speed, 10 ms held 40); a worker that dies repeats at most what it sent in that time, with the
// same Message-IDs.
const (
	recordEvery = 50 * time.Millisecond
	maxRecord   = 500
)

// claim claims batch after batch until nothing is due, prepares the messages and hands them to
// the senders.
func (p *pass) claim(ctx context.Context) error {
	for ctx.Err() == nil {
		ms, until, err := p.w.queue.Claim(ctx, p.w.Now(), p.w.Batch)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return nil
		}
		p.mu.Lock()
		for _, m := range ms {
			p.held[m.ID] = until
		}
		p.mu.Unlock()
		jobs, err := p.prepare(ctx, ms, true)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			select {
			case p.lanes[j.m.RegistrationID%int64(len(p.lanes))] <- j:
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

// prepare asks the directory what the messages say, their recipients in one question and each
// event once, and renders those that still apply, each event's with one batch renderer. The
// claiming goroutine (shared) keeps an event it looked up for half of fresh, so that batch after
// batch of one event's reminders does not ask for it again; a sender refreshing a message that
// waited asks anew.
func (p *pass) prepare(ctx context.Context, ms []outbox.Message, shared bool) ([]*job, error) {
	w := p.w
	var ids, linkIDs []int64
	for _, m := range ms {
		if m.AccountLinkID != 0 {
			linkIDs = append(linkIDs, m.AccountLinkID)
		} else {
			ids = append(ids, m.RegistrationID)
		}
	}
	loaded := time.Now()
	var recipients map[int64]*registration.Recipient
	if len(ids) > 0 {
		var err error
		if recipients, err = w.Directory.Recipients(ctx, ids); err != nil {
			return nil, err
		}
	}
	links, err := w.linkMails(ctx, linkIDs)
	if err != nil {
		return nil, err
	}
	now := w.Now()
	events := map[int64]*programme{}
	if shared {
		events = p.events
	}
	jobs := make([]*job, len(ms))
	for i, m := range ms {
		j := &job{m: m, loaded: loaded}
		jobs[i] = j
		if m.AccountLinkID != 0 {
			prepareLinkMail(w.Renderer, j, links[m.AccountLinkID], now)
			continue
		}
		r := recipients[m.RegistrationID]
		if r == nil {
			j.skip = errRecipientErased
			continue
		}
		ev := events[r.EventID]
		if ev == nil || time.Since(ev.loaded) > fresh/2 {
			ev = &programme{loaded: time.Now()}
			e, agenda, err := w.Directory.Event(ctx, r.EventID)
			if err != nil {
				return nil, err
			}
			ev.e, ev.batch = e, w.Renderer.Batch(e, agenda, now)
			events[r.EventID] = ev
		}
		if ev.loaded.Before(j.loaded) {
			j.loaded = ev.loaded
		}
		if m.Kind == outbox.KindFollowup && ev.batch.Followup == nil {
			if ev.batch.Followup, err = followup.Load(ctx, w.Pool, r.EventID); err != nil {
				return nil, err
			}
		}
		if m.Kind == outbox.KindNotice {
			n, err := ev.batch.notice(ctx, w.Pool, m.NoticeID)
			if err != nil {
				return nil, err
			}
			if n != nil && !n.StillFor(r.Status) {
				j.skip = errNoLongerApplies
				continue
			}
		}
		if !stillApplies(m.Kind, r.Status, ev.e, now) {
			j.skip = errNoLongerApplies
			continue
		}
		j.name, j.email = r.Name, r.Email
		j.msg, j.skip = renderSafely(ev.batch, m, r)
	}
	return jobs, nil
}

// notice returns the notice of a message, looking it up the first time; nil when the message
// names none, which cannot be rendered.
func (b *Batch) notice(ctx context.Context, q sqlx.QueryerContext, id *int64) (*notice.Notice, error) {
	if id == nil {
		return nil, nil
	}
	if n, ok := b.Notices[*id]; ok {
		return n, nil
	}
	n, err := notice.ByID(ctx, q, *id)
	if errors.Is(err, domain.ErrNotFound) {
		n, err = nil, nil // deleted with its event meanwhile: the message cannot be rendered
	}
	if err != nil {
		return nil, err
	}
	b.Notices[*id] = n
	return n, nil
}

// linkMails asks the account directory about the links, if there are any.
func (w *Worker) linkMails(ctx context.Context, linkIDs []int64) (map[int64]*auth.LinkMail, error) {
	if len(linkIDs) == 0 {
		return nil, nil
	}
	if w.Accounts == nil {
		return nil, errors.New("mail worker: a message carries an account link, and the worker has no account directory")
	}
	return w.Accounts.LinkMails(ctx, linkIDs)
}

// prepareLinkMail renders the mail of an account link, unless the link no longer works (used,
// replaced, expired, or its account disabled): then it is dropped.
func prepareLinkMail(rd *Renderer, j *job, l *auth.LinkMail, now time.Time) {
	if l == nil || !l.Usable(now) {
		j.skip = errNoLongerApplies
		return
	}
	j.name, j.email = l.Name, l.Email
	defer func() {
		if v := recover(); v != nil {
			j.msg, j.skip = nil, &unsendableError{fmt.Errorf("panic: %v", v)}
		}
	}()
	msg, err := rd.RenderAccount(j.m.ID, j.m.MessageID, j.m.Kind, l)
	if err != nil {
		j.skip = &unsendableError{err}
		return
	}
	j.msg = msg
}

// programme is an event as the directory told it, with the renderer of its mails.
type programme struct {
	e      *event.Event
	batch  *Batch
	loaded time.Time
}

// deliver sends one prepared message and hands on the outcome. A message it does not send
// (shutdown, a lease too short, a failed look-up) stays held and is given back at the end.
func (p *pass) deliver(ctx context.Context, j *job) {
	w := p.w
	if j.skip == nil {
		if err := w.limiter.Wait(ctx); err != nil {
			return
		}
		if time.Since(j.loaded) > fresh {
			again, err := p.prepare(ctx, []outbox.Message{j.m}, false)
			if err != nil {
				w.Log.Error("mail worker", "error", err)
				return
			}
			j = again[0]
		}
	}
	if j.skip != nil {
		p.results <- p.outcome(j.m, j.skip)
		return
	}
	p.mu.Lock()
	left := time.Until(p.held[j.m.ID])
	p.mu.Unlock()
	if left < w.SendTimeout {
		w.Log.Warn("mail not sent: its lease would run out during the send", "outbox_id", j.m.ID, "lease_left", left.Round(time.Millisecond))
		return
	}
	// A message in flight finishes even when shutdown begins, so it is not sent twice.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.SendTimeout)
	err := w.sendSafely(sendCtx, j)
	cancel()
	if err != nil {
		err = withoutRecipient(err, j.name, j.email)
	}
	p.results <- p.outcome(j.m, err)
}

// outcome is the result of one attempt: sent, dropped, retried later with backoff, or failed
// for good (a permanent refusal, an erased recipient, or too many attempts).
func (p *pass) outcome(m outbox.Message, err error) outbox.Result {
	q, now := p.w.queue, p.w.Now()
	switch {
	case err == nil:
		return q.Sent(m, now)
	case errors.Is(err, errNoLongerApplies):
		return q.Dropped(m, err.Error(), now)
	}
	var unsendable *unsendableError
	return q.Failure(m, err.Error(), isPermanent(err) || errors.Is(err, errRecipientErased) || errors.As(err, &unsendable), now)
}

// unsendableError is a message that cannot be sent as it is: rendering it failed, or rendering or
// sending it panicked. Trying again would fail the same way, so it is marked failed at once with
// the reason, which the organizer sees beside a retry button, and the worker goes on.
type unsendableError struct{ err error }

func (e *unsendableError) Error() string { return "the message cannot be sent: " + e.err.Error() }
func (e *unsendableError) Unwrap() error { return e.err }

// renderSafely renders one message; a failure or a panic stops this message only, not the
// worker, which would otherwise die on it again at every start.
func renderSafely(b *Batch, m outbox.Message, r *registration.Recipient) (msg *gomail.Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &unsendableError{fmt.Errorf("panic: %v", v)}
		}
	}()
	if m.Kind == outbox.KindNotice {
		var n *notice.Notice
		if m.NoticeID != nil {
			n = b.Notices[*m.NoticeID]
		}
		msg, err = b.RenderNotice(m.ID, m.MessageID, n, r)
	} else {
		msg, err = b.Render(m.ID, m.MessageID, m.Kind, r, m.Payload)
	}
	if err != nil {
		return nil, &unsendableError{err}
	}
	return msg, nil
}

// sendSafely sends one message, turning a panic of the sender into this message's failure.
func (w *Worker) sendSafely(ctx context.Context, j *job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.Log.Error("mail worker recovered from a panic", "outbox_id", j.m.ID, "kind", j.m.Kind, "stack", string(debug.Stack()))
			err = &unsendableError{fmt.Errorf("panic: %v", v)}
		}
	}()
	return w.Sender.Send(ctx, j.msg)
}

// record writes outcomes as they come, all that are ready in one statement, until the senders
// are done.
func (p *pass) record(ctx context.Context) {
	for first := range p.results {
		batch := []outbox.Result{first}
		gather := time.NewTimer(recordEvery)
	more:
		for len(batch) < maxRecord {
			select {
			case r, ok := <-p.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			case <-gather.C:
				break more
			}
		}
		gather.Stop()
		recorded, err := p.w.queue.Record(ctx, batch)
		// Recorded or not, the messages are no longer this pass's to renew or give back: if
		// recording failed, their leases run out and they go out again, with their Message-IDs.
		p.mu.Lock()
		for _, r := range batch {
			delete(p.held, r.Message.ID)
		}
		p.mu.Unlock()
		p.done.Add(int64(len(batch)))
		if err != nil {
			p.w.Log.Error("mail outcomes not recorded; they go out again when their leases run out", "messages", len(batch), "error", err)
			continue
		}
		for _, r := range recorded {
			p.w.logOutcome(r)
		}
	}
}

// logOutcome logs what became of one message. Errors may quote the recipient address; only the
// outcome goes to the log.
func (w *Worker) logOutcome(r outbox.Result) {
	m := r.Message
	attempts := m.Attempts + 1
	switch r.Outcome {
	case outbox.Sent:
		w.Log.Info("mail sent", "outbox_id", m.ID, "kind", m.Kind, "attempts", attempts)
	case outbox.Dropped:
		w.Log.Info("mail dropped", "outbox_id", m.ID, "kind", m.Kind)
	case outbox.Retried:
		w.Log.Warn("mail will be retried", "outbox_id", m.ID, "kind", m.Kind, "attempts", attempts, "retry_in", r.RetryAt.Sub(r.At).Round(time.Millisecond))
	case outbox.Failed:
		w.Log.Warn("mail failed for good", "outbox_id", m.ID, "kind", m.Kind, "attempts", attempts)
	case outbox.Lost:
		w.Log.Info("mail outcome not recorded: the message is no longer this worker's", "outbox_id", m.ID, "kind", m.Kind)
	}
}

// renew extends the leases of the messages the pass holds, every quarter lease, until ctx ends.
func (p *pass) renew(ctx context.Context) {
	tick := time.NewTicker(p.w.Lease / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ids := p.stillHeld()
		if len(ids) == 0 {
			continue
		}
		renewed, until, err := p.w.queue.Renew(ctx, ids)
		if err != nil {
			p.w.Log.Error("mail worker: renewing leases", "error", err)
			continue
		}
		p.mu.Lock()
		for _, id := range renewed {
			if _, ok := p.held[id]; ok {
				p.held[id] = until
			}
		}
		p.mu.Unlock()
	}
}

func (p *pass) stillHeld() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]int64, 0, len(p.held))
	for id := range p.held {
		ids = append(ids, id)
	}
	return ids
}

// stillApplies tells whether a message that has come due still makes sense: a reminder only
// for a seat at an event that has not started, an update only for someone still registered, the
// news of a seat only to someone who still holds it (who cancelled or was moved meanwhile gets
// the message about that instead).
func stillApplies(kind, status string, e *event.Event, now time.Time) bool {
	switch kind {
	case outbox.KindRegistered, outbox.KindPromoted:
		return status == "confirmed" && e.Status == event.StatusPublished
	case outbox.KindReminder:
		return status == "confirmed" && e.Status == event.StatusPublished && now.Before(e.StartsAt)
	case outbox.KindUpdated:
		return (status == "pending" || status == "confirmed") && e.Status == event.StatusPublished
	}
	return true
}

var errNoLongerApplies = errors.New("the message no longer applies")

var errRecipientErased = errors.New("the recipient's data has been erased")
