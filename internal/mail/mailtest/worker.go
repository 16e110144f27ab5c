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
)

// Worker returns a mail worker that renders links to base, signs manage links with key and
// delivers to s. Tests adjust Now, RetryBase or Poll as they need.
func (s *Server) Worker(t testing.TB, pool *sqlx.DB, base string, key auth.ManageKey) *mail.Worker {
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
	renderer, err := mail.NewRenderer(messages, baseURL, from, key)
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Worker{Pool: pool, Sender: mail.NewSMTPSender(s.Config()), Renderer: renderer, Log: slog.New(slog.DiscardHandler)}
}

// Drain lets w send every message that is due by its clock.
func Drain(t testing.TB, w *mail.Worker) {
	t.Helper()
	for {
		sent, err := w.SendOne(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !sent {
			return
		}
	}
}
