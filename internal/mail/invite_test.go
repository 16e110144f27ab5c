package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/calendar/icaltest"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/registration"
)

// sendAll lets one worker send every due message and returns what arrived, by recipient.
func sendAll(t *testing.T, w *mail.Worker, smtp *mailtest.Server) map[string][]mailtest.Message {
	t.Helper()
	before := len(smtp.Messages())
	mailtest.Drain(t, w)
	out := map[string][]mailtest.Message{}
	for _, m := range smtp.Messages()[before:] {
		out[m.To[0]] = append(out[m.To[0]], m)
	}
	return out
}

// The mail that gives a seat is an invitation every client understands: Outlook and Gmail want
// the calendar as a text/calendar alternative with method=REQUEST on its MIME type, others
// read the invite.ics attachment; the body carries the join, event and manage links.
func TestInviteMailStructure(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Digitale Kommune: Vom Typ zur Tat", false)
	token := register(t, pool, e, "Erika Mustermann", "erika@pattensen.example")

	got := sendAll(t, newWorker(t, pool, smtp), smtp)["erika@pattensen.example"]
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	_, bodies, tree := parts(t, got[0].Data)
	want := "multipart/mixed [multipart/alternative [text/plain, text/html, text/calendar; method=REQUEST], attachment invite.ics]"
	if tree != want {
		t.Fatalf("MIME structure\n got %s\nwant %s", tree, want)
	}
	join := joinLink(t, pool, token)
	for _, link := range []string{join, "https://podium.example.org/events/" + e.Slug, "https://podium.example.org/r/" + token} {
		if !strings.Contains(bodies["text/plain"], link) || !strings.Contains(bodies["text/html"], link) {
			t.Errorf("the body lacks %s", link)
		}
	}
	for part, body := range bodies {
		if strings.Contains(body, e.OnlineURL) {
			t.Errorf("the %s part carries the meeting's own URL", part)
		}
	}
	if bodies["attachment invite.ics"] != bodies["text/calendar; method=REQUEST"] {
		t.Error("the attachment differs from the calendar part")
	}
	cal := icaltest.Parse(t, []byte(bodies["text/calendar; method=REQUEST"]))
	ev := cal.Events[0]
	if cal.Method != "REQUEST" || ev.Start != e.StartsAt.UTC().Format("2006-01-02T15:04:05.000Z") || ev.Location != join || ev.URL != join {
		t.Errorf("invite: method %q start %s location %q url %q, want the personal join link", cal.Method, ev.Start, ev.Location, ev.URL)
	}
	if !strings.Contains(ev.Description, join) {
		t.Errorf("the invite's description lacks the personal join link:\n%s", ev.Description)
	}
	if len(ev.Attendees) != 1 || ev.Attendees[0].Address != "mailto:erika@pattensen.example" || ev.Attendees[0].RSVP != "FALSE" {
		t.Errorf("attendees %+v", ev.Attendees)
	}
	if strings.Contains(bodies["text/calendar; method=REQUEST"], token) {
		t.Error("the invite carries the secret manage token")
	}
}

// Moving an event mails the confirmed attendee an update with the same UID and a higher
// SEQUENCE, and the unconfirmed one the new details with the confirm link but no invite; the
// waitlisted hears nothing. Cancelling the event then reaches all three, each in their words,
// and removes the entry from the calendar of the one with a seat.
func TestMovedAndCancelledEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	ctx := context.Background()
	e := newEvent(t, pool, "Websession", true)
	pool.MustExec(`UPDATE events SET capacity = 1 WHERE id = $1`, e.ID)
	seated := register(t, pool, e, "Anna", "anna@example.org")
	waiting := register(t, pool, e, "Ben", "ben@example.org")
	register(t, pool, e, "Cem", "cem@example.org") // never confirms
	for _, token := range []string{seated, waiting} {
		if _, err := registration.Confirm(ctx, pool, token, time.Now(), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	w := newWorker(t, pool, smtp)
	first := sendAll(t, w, smtp)
	_, bodies, _ := parts(t, first["anna@example.org"][len(first["anna@example.org"])-1].Data)
	invite := icaltest.Parse(t, []byte(bodies["text/calendar; method=REQUEST"])).Events[0]

	e = reload(t, pool, e)
	in := event.InputOf(e)
	in.StartsAt, in.EndsAt = e.StartsAt.Add(2*time.Hour), e.EndsAt.Add(2*time.Hour)
	if _, err := registration.UpdateEvent(ctx, pool, e, in, time.Now()); err != nil {
		t.Fatal(err)
	}
	moved := sendAll(t, w, smtp)
	if len(moved) != 2 || len(moved["anna@example.org"]) != 1 || len(moved["cem@example.org"]) != 1 {
		t.Fatalf("update mails went to %v", keys(moved))
	}
	_, bodies, _ = parts(t, moved["anna@example.org"][0].Data)
	update := icaltest.Parse(t, []byte(bodies["text/calendar; method=REQUEST"])).Events[0]
	if update.UID != invite.UID || update.Sequence <= invite.Sequence || update.Start != in.StartsAt.UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("update uid %q seq %d start %s; invite uid %q seq %d", update.UID, update.Sequence, update.Start, invite.UID, invite.Sequence)
	}
	if annasLink := joinLink(t, pool, seated); update.Location != annasLink || !strings.Contains(bodies["text/plain"], annasLink) {
		t.Errorf("the update's location %q, or its body, is not Anna's personal join link %s", update.Location, annasLink)
	}
	_, bodies, tree := parts(t, moved["cem@example.org"][0].Data)
	if strings.Contains(tree, "calendar") || !strings.Contains(bodies["text/plain"], "/confirm") {
		t.Errorf("the unconfirmed attendee's update: %s\n%s", tree, bodies["text/plain"])
	}

	if _, err := registration.CancelEvent(ctx, pool, reload(t, pool, e), time.Now()); err != nil {
		t.Fatal(err)
	}
	off := sendAll(t, w, smtp)
	if len(off) != 3 {
		t.Fatalf("cancellations went to %v", keys(off))
	}
	_, bodies, _ = parts(t, off["anna@example.org"][0].Data)
	cancel := icaltest.Parse(t, []byte(bodies["text/calendar; method=CANCEL"]))
	if cancel.Method != "CANCEL" || cancel.Events[0].UID != invite.UID || cancel.Events[0].Status != "CANCELLED" {
		t.Errorf("cancellation %+v", cancel)
	}
	for _, mails := range []map[string][]mailtest.Message{first, moved, off} {
		for to, ms := range mails {
			for _, m := range ms {
				if strings.Contains(string(m.Data), "raum-7") {
					t.Errorf("a mail to %s carries the meeting's own URL", to)
				}
			}
		}
	}
	words := map[string]string{"ben@example.org": "Warteliste", "cem@example.org": "nicht mehr bestätigen"}
	for to, phrase := range words {
		_, bodies, tree := parts(t, off[to][0].Data)
		if strings.Contains(tree, "calendar") || !strings.Contains(bodies["text/plain"], phrase) {
			t.Errorf("%s: %s\n%s", to, tree, bodies["text/plain"])
		}
	}
}

// Cancelling one's own registration sends METHOD:CANCEL for one's own copy of the event.
func TestOwnCancellationRemovesTheEntry(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Sprechstunde", false)
	token := register(t, pool, e, "Anna", "anna@example.org")
	w := newWorker(t, pool, smtp)
	sendAll(t, w, smtp)
	if _, _, err := registration.Cancel(context.Background(), pool, token, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := sendAll(t, w, smtp)["anna@example.org"]
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	_, bodies, tree := parts(t, got[0].Data)
	if !strings.Contains(tree, "attachment cancel.ics") {
		t.Errorf("structure %s", tree)
	}
	if cal := icaltest.Parse(t, []byte(bodies["text/calendar; method=CANCEL"])); cal.Method != "CANCEL" || len(cal.Events[0].Attendees) != 1 {
		t.Errorf("cancellation %+v", cal)
	}
}

func reload(t *testing.T, pool *sqlx.DB, e *event.Event) *event.Event {
	t.Helper()
	fresh, err := event.ByID(context.Background(), pool, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return fresh
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The join link goes only to people who hold a seat when the mail is sent: someone who cancelled
// before their confirmation went out gets neither that confirmation nor the link in the calendar
// cancellation, while the person who got their seat does.
func TestJoinLinkOnlyToSeatHoldersAtSendingTime(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Digitale Kommune: Vom Typ zur Tat", false)
	one := 1
	pool.MustExec(`UPDATE events SET capacity = $2 WHERE id = $1`, e.ID, one)
	erika := register(t, pool, e, "Erika Mustermann", "erika@pattensen.example")
	register(t, pool, e, "Max Beispiel", "max@koeln.example")
	if _, promoted, err := registration.Cancel(context.Background(), pool, erika, time.Now()); err != nil || promoted == nil {
		t.Fatalf("cancel: promoted %v, %v", promoted, err)
	}

	got := sendAll(t, newWorker(t, pool, smtp), smtp)
	for _, m := range got["erika@pattensen.example"] {
		_, bodies, tree := parts(t, m.Data)
		for part, body := range bodies {
			if strings.Contains(body, "raum-7") {
				t.Errorf("Erika, who cancelled, got the join link in %s of %s", part, tree)
			}
		}
	}
	if n := len(got["erika@pattensen.example"]); n != 1 {
		t.Errorf("Erika got %d mails, want only the cancellation", n)
	} else if _, bodies, _ := parts(t, got["erika@pattensen.example"][0].Data); !strings.Contains(bodies["text/calendar; method=CANCEL"], "METHOD:CANCEL") {
		t.Error("Erika's cancellation carries no calendar cancellation")
	}
	max := got["max@koeln.example"]
	if len(max) != 2 {
		t.Fatalf("Max got %d mails, want the waitlist notice and the promotion", len(max))
	}
	if _, bodies, _ := parts(t, max[1].Data); !strings.Contains(bodies["text/plain"], "/join") || strings.Contains(bodies["text/plain"], e.OnlineURL) {
		t.Error("Max, promoted to a seat, did not get his personal join link, or got the meeting's own URL")
	}
}

// joinLink is the personal join link of the registration with this manage token.
func joinLink(t *testing.T, pool *sqlx.DB, manageToken string) string {
	t.Helper()
	r, err := registration.ByToken(context.Background(), pool, manageToken)
	if err != nil {
		t.Fatal(err)
	}
	return "https://podium.example.org/r/" + registration.JoinToken(key, r) + "/join"
}
