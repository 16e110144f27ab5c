package reminder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
)

var (
	key = auth.ManageKey("a test secret of at least 32 bytes")
	// start is when the test event begins, 16:00 UTC in twelve days; people register at early,
	// after the real now, so that mails queued "at once" are due for the test clock too.
	start = func() time.Time {
		d := time.Now().UTC().AddDate(0, 0, 12)
		return time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, time.UTC)
	}()
	early = start.Add(-10 * 24 * time.Hour)
)

// clock is the worker's controllable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newWorker(t *testing.T, pool *sqlx.DB, smtp *mailtest.Server, c *clock) *mail.Worker {
	t.Helper()
	w := smtp.Worker(t, pool, "https://podium.example.org", key)
	w.Now, w.Poll = c.Now, 10*time.Millisecond
	return w
}

func newEvent(t *testing.T, pool *sqlx.DB, capacity int) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.OnlineURL = "https://konferenz.example.org/raum-7"
	in.Capacity = &capacity
	in.Status = event.StatusPublished
	in.DoubleOptIn = false
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func register(t *testing.T, pool *sqlx.DB, e *event.Event, email string, now time.Time) string {
	t.Helper()
	_, token, err := registration.Register(context.Background(), pool, key, e,
		registration.Input{Name: "Teilnehmerin", Email: email, Consent: true, Answers: map[string]json.RawMessage{}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// reminders sends what is due at the given moment and returns the reminders that arrived, by
// recipient.
func reminders(t *testing.T, w *mail.Worker, smtp *mailtest.Server, c *clock, at time.Time) map[string]int {
	t.Helper()
	c.Set(at)
	before := len(smtp.Messages())
	mailtest.Drain(t, w)
	got := map[string]int{}
	for _, m := range smtp.Messages()[before:] {
		if strings.Contains(string(m.Data), "Subject: Erinnerung") {
			got[m.To[0]]++
		}
	}
	return got
}

// Each offset fires once, at its moment, for the confirmed attendee only: not a minute early,
// not again, and not for the person on the waitlist.
func TestEachOffsetFiresOnceForConfirmedAttendees(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	c := &clock{}
	e := newEvent(t, pool, 1)
	register(t, pool, e, "seat@example.org", early)
	register(t, pool, e, "waiting@example.org", early)
	w := newWorker(t, pool, smtp, c)
	reminders(t, w, smtp, c, early) // the registration mails

	steps := []struct {
		at   time.Time
		want int
	}{
		{start.Add(-24*time.Hour - time.Minute), 0},
		{start.Add(-24 * time.Hour), 1},
		{start.Add(-23 * time.Hour), 0},
		{start.Add(-time.Hour - time.Second), 0},
		{start.Add(-time.Hour), 1},
		{start.Add(-time.Minute), 0},
		{start.Add(time.Hour), 0},
	}
	for _, s := range steps {
		got := reminders(t, w, smtp, c, s.at)
		if got["seat@example.org"] != s.want || got["waiting@example.org"] != 0 {
			t.Errorf("at start%+v: reminders %v, want %d for the confirmed attendee only", s.at.Sub(start), got, s.want)
		}
	}
}

// A reminder carries the join link, the time in the event's zone with the zone's spoken name
// (MEZ or MESZ), the questions page and the manage link.
func TestReminderContent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	c := &clock{}
	e := newEvent(t, pool, 10)
	token := register(t, pool, e, "seat@example.org", early)
	w := newWorker(t, pool, smtp, c)
	reminders(t, w, smtp, c, early)
	reminders(t, w, smtp, c, start.Add(-time.Hour))
	msgs := smtp.Messages()
	body := string(msgs[len(msgs)-1].Data)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	r, err := registration.ByToken(context.Background(), pool, token)
	if err != nil {
		t.Fatal(err)
	}
	join := "/r/" + registration.JoinToken(key, r) + "/join"
	spoken := i18n.Clock(start, berlin, "de") + " (" + i18n.ZoneName(start, berlin, "de") + ")"
	if !strings.HasSuffix(spoken, "(MEZ)") && !strings.HasSuffix(spoken, "(MESZ)") {
		t.Fatalf("Berlin's time is %q", spoken)
	}
	questions := "Fragen an das Podium stellen:\r\nhttps://podium.example.org/events/" + e.Slug + "/questions\r\n"
	for _, want := range []string{"Subject: Erinnerung: Digitale Kommune", join, "um " + spoken, "Europe/Berlin", questions, "/r/" + token} {
		if !strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), want) {
			t.Errorf("the reminder lacks %q", want)
		}
	}
	if strings.Contains(body, e.OnlineURL) {
		t.Error("the reminder carries the meeting's own URL instead of the personal join link")
	}
	for _, h := range []string{"Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All"} {
		if !strings.Contains(body, h) {
			t.Errorf("the reminder lacks the header %q", h)
		}
	}
}

// When the event moves, the reminders move with it; when it is cancelled, none is sent.
func TestMovingAndCancellingTheEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	c := &clock{}
	ctx := context.Background()
	e := newEvent(t, pool, 10)
	register(t, pool, e, "seat@example.org", early)
	w := newWorker(t, pool, smtp, c)
	reminders(t, w, smtp, c, early)

	later := start.Add(3 * time.Hour)
	in := event.InputOf(e)
	in.StartsAt, in.EndsAt = later, later.Add(90*time.Minute)
	if _, err := registration.UpdateEvent(ctx, pool, e, in, early); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at   time.Time
		want int
	}{
		{start.Add(-24 * time.Hour), 0}, // the old moments
		{later.Add(-24 * time.Hour), 1}, // the new ones
		{start.Add(-time.Hour), 0},
		{later.Add(-time.Hour), 1},
	}
	for _, s := range steps {
		if got := reminders(t, w, smtp, c, s.at); got["seat@example.org"] != s.want {
			t.Errorf("at start%+v: %v, want %d", s.at.Sub(start), got, s.want)
		}
	}

	other := newEvent(t, pool, 10)
	register(t, pool, other, "gone@example.org", early)
	reminders(t, w, smtp, c, early)
	fresh, _ := event.ByID(ctx, pool, other.ID)
	if _, err := registration.CancelEvent(ctx, pool, fresh, early); err != nil {
		t.Fatal(err)
	}
	if got := reminders(t, w, smtp, c, start.Add(-time.Hour)); got["gone@example.org"] != 0 {
		t.Errorf("a cancelled event sent reminders: %v", got)
	}
}

// Confirming late gets only the reminders still ahead. A worker that was down at a moment sends
// its reminder late, while the event is still ahead; one still queued when the event has
// started is dropped rather than sent.
func TestNoReminderForAMomentThatHasPassed(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	c := &clock{}
	e := newEvent(t, pool, 10)
	register(t, pool, e, "late@example.org", start.Add(-2*time.Hour))
	register(t, pool, e, "down@example.org", early)
	w := newWorker(t, pool, smtp, c)
	reminders(t, w, smtp, c, early)

	// The worker comes back ten minutes before the 1h moment: the day-before reminder goes out
	// late to the one confirmed before its moment, and the 1h ones are queued.
	got := reminders(t, w, smtp, c, start.Add(-time.Hour-10*time.Minute))
	if got["down@example.org"] != 1 || got["late@example.org"] != 0 {
		t.Errorf("after the worker was down at the day-before moment: %v, want it for down@ only", got)
	}
	var queued int
	pool.Get(&queued, `SELECT count(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id
		WHERE o.kind = 'reminder' AND r.email = 'late@example.org'`)
	if queued != 1 {
		t.Errorf("%d reminders for a registration two hours before the start, want only the 1h one", queued)
	}
	// Down again until the start: the queued 1h reminders are dropped.
	if got := reminders(t, w, smtp, c, start.Add(time.Minute)); len(got) != 0 {
		t.Errorf("reminders after the start: %v", got)
	}
	var dropped int
	pool.Get(&dropped, `SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status = 'dropped'`)
	if dropped != 2 {
		t.Errorf("%d reminders dropped, want 2", dropped)
	}
}

// Two workers, one of them restarted halfway, send every reminder exactly once.
func TestTwoWorkersAndARestartSendEachOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	c := &clock{}
	e := newEvent(t, pool, 100)
	const people = 30
	for i := range people {
		register(t, pool, e, fmt.Sprintf("p%d@example.org", i), early)
	}
	reminders(t, newWorker(t, pool, smtp, c), smtp, c, early)
	before := len(smtp.Messages())
	c.Set(start.Add(-time.Hour))

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { newWorker(t, pool, smtp, c).Run(ctx) })
	firstCtx, restart := context.WithCancel(ctx)
	first := newWorker(t, pool, smtp, c)
	wg.Go(func() {
		first.Run(firstCtx)
		newWorker(t, pool, smtp, c).Run(ctx) // the restarted process
	})
	smtp.Wait(t, before+people/2, 20*time.Second)
	restart()
	smtp.Wait(t, before+2*people, 20*time.Second)
	time.Sleep(200 * time.Millisecond) // room for a wrong second delivery
	stop()
	wg.Wait()

	seen := map[string]int{}
	for _, m := range smtp.Messages()[before:] {
		seen[m.To[0]]++
	}
	for i := range people {
		if to := fmt.Sprintf("p%d@example.org", i); seen[to] != 2 {
			t.Errorf("%s got %d reminders, want 2", to, seen[to])
		}
	}
}

// A registration far ahead of the event writes no reminder: each is queued for everyone at once
// when its moment is Ahead, and only then.
func TestRemindersAreQueuedWhenTheirMomentComesNear(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, 100)
	for i := range 20 {
		register(t, pool, e, fmt.Sprintf("p%d@example.org", i), early)
	}
	count := func() int {
		var n int
		pool.Get(&n, `SELECT count(*) FROM outbox WHERE kind = 'reminder'`)
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("%d reminders queued by registrations ten days ahead, want none yet", n)
	}
	q := reminder.Queuer{DB: pool}
	dayBefore := start.Add(-24 * time.Hour)
	steps := []struct {
		at   time.Time
		want int
	}{
		{dayBefore.Add(-reminder.Ahead - time.Minute), 0},
		{dayBefore.Add(-reminder.Ahead), 20},
		{dayBefore, 20}, // not again
		{start.Add(-time.Hour - reminder.Ahead), 40},
	}
	for _, s := range steps {
		if _, err := q.QueueDue(ctx, s.at); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != s.want {
			t.Errorf("at start%+v: %d reminders queued, want %d", s.at.Sub(start), n, s.want)
		}
	}
}

// People who confirm while the worker queues a moment's reminders get each exactly once: those
// confirmed Soon before the moment queue their own, and the two never both or neither.
func TestConfirmingWhileRemindersAreQueuedGetsEachOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, 1000)
	moment := start.Add(-24 * time.Hour)
	c := &clock{}
	c.Set(moment.Add(-40 * time.Minute))

	// Eight people register at once, then the clock moves a minute on, up to the moment,
	// while a worker queues over and over: a registration is in flight for a minute of this
	// clock at most, as in life for far less than Ahead.
	done := make(chan struct{})
	var worker sync.WaitGroup
	worker.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := (reminder.Queuer{DB: pool}).QueueDue(ctx, c.Now()); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var people sync.WaitGroup
	for n := 0; c.Now().Before(moment); n++ {
		at := c.Now()
		for i := range 8 {
			people.Go(func() { register(t, pool, e, fmt.Sprintf("p%d-%d@example.org", i, n), at) })
		}
		people.Wait()
		c.Advance(time.Minute)
	}
	close(done)
	worker.Wait()
	if _, err := (reminder.Queuer{DB: pool}).QueueDue(ctx, moment.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	var counts []struct {
		Email     string `db:"email"`
		Reminders int    `db:"reminders"`
	}
	err := pool.Select(&counts, `SELECT r.email, count(o.id) AS reminders FROM registrations r
		LEFT JOIN outbox o ON o.registration_id = r.id AND o.kind = 'reminder' AND o.due_at = $2
		WHERE r.event_id = $1 GROUP BY r.email`, e.ID, moment)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) < 40 {
		t.Fatalf("only %d registrations while the clock ran; the test says nothing", len(counts))
	}
	for _, p := range counts {
		if p.Reminders != 1 {
			t.Errorf("%s has %d day-before reminders queued, want 1", p.Email, p.Reminders)
		}
	}
}

// Queuing takes no lock on the event until its last step, and an event rescheduled meanwhile
// keeps nothing queued from the time it had: the worker's statement fails and the next pass
// queues the event as it is.
func TestQueueingWhileTheEventIsRescheduledKeepsNothingOld(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, 100)
	for i := range 5 {
		register(t, pool, e, fmt.Sprintf("p%d@example.org", i), early)
	}
	dayBefore := start.Add(-24 * time.Hour)

	// A change of the event holds its row and moves how far its reminders are queued, as a
	// reschedule does.
	change := pool.MustBegin()
	change.MustExec(`UPDATE events SET reminders_queued_until = $2 WHERE id = $1`, e.ID, dayBefore)
	result := make(chan error, 1)
	var queued int64
	go func() {
		var err error
		queued, err = reminder.Queuer{DB: pool}.QueueDue(ctx, dayBefore.Add(-time.Minute))
		result <- err
	}()
	select {
	case err := <-result:
		t.Fatalf("queueing finished while the event's row was held: %v", err)
	case <-time.After(300 * time.Millisecond): // it waits at its last step
	}
	if err := change.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil || queued != 0 {
		t.Fatalf("queueing after the reschedule: %d queued, %v; want none and no error", queued, err)
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM outbox WHERE kind = 'reminder'`)
	if n != 0 {
		t.Errorf("%d reminders queued from before the reschedule, want none", n)
	}
	// The next pass queues what is due after the new mark: the one-hour reminders, later.
	if queued, err := (reminder.Queuer{DB: pool}).QueueDue(ctx, start.Add(-time.Hour)); err != nil || queued != 5 {
		t.Errorf("the next pass: %d queued, %v; want the five one-hour reminders", queued, err)
	}
}
