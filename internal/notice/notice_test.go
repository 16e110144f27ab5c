package notice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/notice"
	"github.com/podium-events/podium/internal/registration"
)

var (
	now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	key = auth.ManageKey("test secret of at least 32 bytes!")
)

func newEvent(t *testing.T, pool *sqlx.DB) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt = now.Add(7 * 24 * time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.Status = event.StatusPublished
	in.DoubleOptIn = false
	one := 1
	in.Capacity = &one
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// register makes n registrations: the first gets the one seat, the others wait.
func register(t *testing.T, pool *sqlx.DB, e *event.Event, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		r, _, err := registration.Register(context.Background(), pool, key, e, registration.Input{
			Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person%d@kommune.example", i), Consent: true}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func fieldCode(err error, field string) string {
	var v *domain.ValidationError
	if errors.As(err, &v) {
		for _, f := range v.Fields {
			if f.Field == field {
				return f.Code
			}
		}
	}
	return ""
}

func conflictCode(err error) string {
	var c *domain.ConflictError
	if errors.As(err, &c) {
		return c.Code
	}
	return ""
}

// Each limit of a notice holds at its bound and refuses one past it, in characters, not bytes.
func TestNoticeInputLimits(t *testing.T) {
	t.Parallel()
	valid := notice.Input{Group: registration.GroupConfirmed, Subject: "Neuer Zugangslink", Text: "Guten Tag,\r\n\r\nder Link hat sich geändert."}
	cases := []struct {
		name        string
		change      func(*notice.Input)
		field, code string
	}{
		{"valid", func(*notice.Input) {}, "", ""},
		{"subject at the limit, in umlauts", func(in *notice.Input) { in.Subject = strings.Repeat("ä", notice.MaxSubject) }, "", ""},
		{"text at the limit, in emoji", func(in *notice.Input) { in.Text = strings.Repeat("🙂", notice.MaxText) }, "", ""},
		{"subject too long", func(in *notice.Input) { in.Subject = strings.Repeat("ä", notice.MaxSubject+1) }, "subject", "too_long"},
		{"text too long", func(in *notice.Input) { in.Text = strings.Repeat("a", notice.MaxText+1) }, "text", "too_long"},
		{"no subject", func(in *notice.Input) { in.Subject = "   " }, "subject", "required"},
		{"no text", func(in *notice.Input) { in.Text = "\r\n \n" }, "text", "required"},
		{"subject of two lines", func(in *notice.Input) { in.Subject = "Betreff\nBcc: alle@example.org" }, "subject", "one_line"},
		{"text with NUL", func(in *notice.Input) { in.Text = "a\x00b" }, "text", "control_characters"},
		{"unknown group", func(in *notice.Input) { in.Group = "everyone" }, "group", "one_of"},
	}
	for _, c := range cases {
		in := valid
		c.change(&in)
		err := in.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if got := fieldCode(err, c.field); got != c.code {
			t.Errorf("%s: %s has %q, want %q (%v)", c.name, c.field, got, c.code, err)
		}
	}
	in := valid
	if err := in.Validate(); err != nil || in.Text != "Guten Tag,\n\nder Link hat sich geändert." {
		t.Errorf("the text is kept with \\n line breaks: %q", in.Text)
	}
}

// A notice reaches everyone in its group whose data still exists, each with a mail that names
// the notice; an empty group sends nothing.
func TestSendReachesTheGroup(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	ids := register(t, pool, e, 4) // one seat, three waiting
	pool.MustExec(`UPDATE registrations SET erased_at = now() WHERE id = $1`, ids[3])

	n, err := notice.Send(ctx, pool, e, notice.Input{Group: registration.GroupWaitlisted, Subject: "Warteliste", Text: "Noch ist kein Platz frei."}, now)
	if err != nil {
		t.Fatal(err)
	}
	var to []int64
	pool.Select(&to, `SELECT registration_id FROM outbox WHERE notice_id = $1 AND kind = 'notice' ORDER BY registration_id`, n.ID)
	if n.Recipients != 2 || len(to) != 2 || to[0] != ids[1] || to[1] != ids[2] {
		t.Errorf("a notice to the waitlist went to %v (%d recipients), want %v", to, n.Recipients, ids[1:3])
	}
	stored, err := notice.ByID(ctx, pool, n.ID)
	if err != nil || stored.Recipients != 2 || stored.Group != registration.GroupWaitlisted || !stored.SentAt.Equal(now) {
		t.Errorf("stored: %+v, %v", stored, err)
	}
	if _, err := notice.Send(ctx, pool, e, notice.Input{Group: registration.GroupAttended, Subject: "Danke", Text: "Schön war's."}, now); conflictCode(err) != "notice_nobody" {
		t.Errorf("a notice to nobody: %v", err)
	}
	if list, _ := notice.List(ctx, pool, e.ID, 10); len(list) != 1 {
		t.Errorf("%d notices listed, want the one sent", len(list))
	}
}

// An event sends at most MaxPerDay notices in 24 hours, also when organizers send at the same
// moment; a day later it may send again.
func TestNoticesPerDay(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	register(t, pool, e, 1)
	in := notice.Input{Group: registration.GroupConfirmed, Subject: "Hinweis", Text: "Bitte testen Sie vorab Ihr Mikrofon."}

	var wg sync.WaitGroup
	results := make(chan error, notice.MaxPerDay+3)
	for range notice.MaxPerDay + 3 {
		wg.Go(func() {
			_, err := notice.Send(ctx, pool, e, in, now)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	sent, limited := 0, 0
	for err := range results {
		switch {
		case err == nil:
			sent++
		case conflictCode(err) == "notice_limit":
			limited++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if sent != notice.MaxPerDay || limited != 3 {
		t.Errorf("%d sent and %d refused at once, want %d and 3", sent, limited, notice.MaxPerDay)
	}
	if _, err := notice.Send(ctx, pool, e, in, now.Add(notice.Window-time.Second)); conflictCode(err) != "notice_limit" {
		t.Errorf("just within the window: %v", err)
	}
	if _, err := notice.Send(ctx, pool, e, in, now.Add(notice.Window)); err != nil {
		t.Errorf("a day later: %v", err)
	}
	// Another event has its own count.
	other := newEvent(t, pool)
	register(t, pool, other, 1)
	if _, err := notice.Send(ctx, pool, other, in, now); err != nil {
		t.Errorf("another event: %v", err)
	}
}

// A notice to the people with a seat or waiting is not for someone who cancelled since; one to
// those who attended still is.
func TestNoticeStillFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		group, status string
		want          bool
	}{
		{registration.GroupConfirmed, registration.StatusConfirmed, true},
		{registration.GroupConfirmed, registration.StatusWaitlisted, true},
		{registration.GroupConfirmed, registration.StatusCancelled, false},
		{registration.GroupWaitlisted, registration.StatusCancelled, false},
		{registration.GroupAttended, registration.StatusCancelled, true},
	} {
		n := notice.Notice{Group: c.group}
		if got := n.StillFor(c.status); got != c.want {
			t.Errorf("a notice to %s, recipient now %s: %v, want %v", c.group, c.status, got, c.want)
		}
	}
}
