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

// Confirming late schedules only the reminders still ahead; one that is still queued when the
// event has started (the worker was down) is dropped rather than sent.
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

	var queued int
	pool.Get(&queued, `SELECT count(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id
		WHERE o.kind = 'reminder' AND r.email = 'late@example.org'`)
	if queued != 1 {
		t.Errorf("%d reminders for a registration two hours before the start, want only the 1h one", queued)
	}
	if got := reminders(t, w, smtp, c, start.Add(time.Minute)); len(got) != 0 {
		t.Errorf("reminders after the start: %v", got)
	}
	var dropped int
	pool.Get(&dropped, `SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status = 'dropped'`)
	if dropped != 3 {
		t.Errorf("%d reminders dropped, want 3", dropped)
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
