package mail_test

import (
	"bytes"
	"context"
	netmail "net/mail"
	"net/url"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
)

// FuzzAddresses renders a mail for any recipient and organizer name, sends it to the in-process
// mail server and reads its To and From back with net/mail: the server accepts every one, and
// the names come back as wantName says.
func FuzzAddresses(f *testing.F) {
	for _, name := range oddNames {
		f.Add(name, name)
	}
	f.Add("Erika Mustermann", "Kompetenzzentrum Öffentliche IT")
	messages, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	base, _ := url.Parse("https://podium.example.org")
	rd, err := mail.NewRenderer(messages, base, &netmail.Address{Name: "Podium", Address: "podium@podium.example.org"})
	if err != nil {
		f.Fatal(err)
	}
	smtp := mailtest.Start(f)
	sender := mail.NewSMTPSender(smtp.Config(), mail.DefaultLease)
	start := time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, organizer string) {
		e := &event.Event{ID: 1, Slug: "fest", Title: "Fest", StartsAt: start, EndsAt: start.Add(time.Hour),
			Timezone: "Europe/Berlin", Status: event.StatusPublished, Language: "de",
			OrganizerName: organizer, OrganizerEmail: "orga@example.org"}
		m := mail.Message{OutboxID: 1, Kind: outbox.KindConfirm, Event: e, Now: start.Add(-time.Hour),
			Recipient: &registration.Recipient{RegistrationID: 1, Name: name, Email: "anna@example.org", Language: "de", Status: "pending", ManageToken: "t"}}
		msg, err := rd.Render(m)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		before := smtp.Count()
		if err := sender.Send(context.Background(), msg); err != nil {
			t.Fatalf("the mail server refused the message: %v", err)
		}
		if smtp.Count() != before+1 {
			t.Fatal("the mail server did not keep the message")
		}
		var raw bytes.Buffer
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		parsed, err := netmail.ReadMessage(&raw)
		if err != nil {
			t.Fatalf("the message does not parse: %v", err)
		}
		to, err := netmail.ParseAddress(parsed.Header.Get("To"))
		if err != nil || to.Name != wantName(name) || to.Address != "anna@example.org" {
			t.Errorf("To %q reads as %+v (%v), want %q", parsed.Header.Get("To"), to, err, wantName(name))
		}
		wantFrom := "Podium"
		if organizer := wantName(organizer); organizer != "" {
			wantFrom = organizer + " (über Podium)"
		}
		from, err := netmail.ParseAddress(parsed.Header.Get("From"))
		if err != nil || from.Name != wantFrom || from.Address != "podium@podium.example.org" {
			t.Errorf("From %q reads as %+v (%v), want %q", parsed.Header.Get("From"), from, err, wantFrom)
		}
	})
}
