package mailtest

import (
	"context"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
)

// Worker returns a mail worker that renders links to base, signs manage links with key and
// delivers to s. Tests adjust Now, RetryBase, Poll, Lease or Sender as they need, before its
// first use.
func (s *Server) Worker(t testing.TB, pool *sqlx.DB, base string, key auth.ManageKey) *mail.Worker {
	t.Helper()
	return &mail.Worker{Pool: pool, Directory: registration.Directory{DB: pool, Key: key}, Accounts: auth.LinkDirectory{DB: pool, Key: key},
		Sender: mail.NewSMTPSender(s.Config(), mail.DefaultLease), Renderer: Renderer(t, base), Log: slog.New(slog.DiscardHandler),
		Reminders: reminder.Queuer{DB: pool}}
}

// Renderer returns the mail renderer for a service at base.
func Renderer(t testing.TB, base string) *mail.Renderer {
	t.Helper()
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	from := &netmail.Address{Name: "Podium", Address: "podium@" + baseURL.Hostname()}
	renderer, err := mail.NewRenderer(messages, baseURL, from)
	if err != nil {
		t.Fatal(err)
	}
	return renderer
}

// Drain lets w send every message that is due by its clock.
func Drain(t testing.TB, w *mail.Worker) {
	t.Helper()
	if _, err := w.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}
