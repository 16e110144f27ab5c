package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
)

func loadDemo(t *testing.T, h *harness) {
	t.Helper()
	if err := demo.Load(context.Background(), h.pool, h.now, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
}

// The start page lists what is coming; the 2020 websession appears among past events.
func TestHomePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)

	rec := h.do("GET", "/", "", "")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="de"`, "Kommende Veranstaltungen", "Digitale Kommune: Vom Typ zur Tat", `href="/events/` + demo.FollowUpSlug + `"`, "<main"} {
		if !strings.Contains(body, want) {
			t.Errorf("start page lacks %q", want)
		}
	}
	if strings.Contains(body, "Eine Typfrage?") {
		t.Error("start page lists the past websession among upcoming events")
	}
	past := h.do("GET", "/?past=true", "", "").Body.String()
	if !strings.Contains(past, "Vergangene Veranstaltungen") || !strings.Contains(past, "Digitale Kommune: Eine Typfrage?") || !strings.Contains(past, "Donnerstag, 29. Oktober 2020") {
		t.Error("past events do not show the websession with its German date")
	}
}

// The event page shows the date in German in the event's time zone, the agenda and the panel.
func TestEventPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)

	rec := h.do("GET", "/events/"+demo.WebsessionSlug, "", "")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("event page: %d", rec.Code)
	}
	for _, want := range []string{
		"<h1", "Digitale Kommune: Eine Typfrage?", "Eine Veranstaltung von ÖFIT und KGSt",
		"Donnerstag, 29. Oktober 2020, 17:00–18:30 Uhr", `datetime="2020-10-29T16:00:00Z"`,
		"Ablauf", "Begrüßung", "17:25–18:10 Uhr", "Podiumsdiskussion mit Praxisexpertinnen und -experten",
		"Kreis Wesel", "Stadt Köln", "Stadt Freiburg im Breisgau", "Stadt Pattensen",
		"Diese Veranstaltung hat bereits stattgefunden.", "Die Anmeldung ist geschlossen.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("event page lacks %q", want)
		}
	}

	en := h.do("GET", "/events/"+demo.WebsessionSlug+"?lang=en", "", "").Body.String()
	if !strings.Contains(en, `<html lang="en"`) || !strings.Contains(en, "Thursday, 29 October 2020, 17:00–18:30") {
		t.Error("English page lacks the English date")
	}

	upcoming := h.do("GET", "/events/"+demo.FollowUpSlug, "", "").Body.String()
	if !strings.Contains(upcoming, "Anmeldung bis") || !strings.Contains(upcoming, "100 Plätze") {
		t.Error("the upcoming session does not show its open registration and seats")
	}
}

// Whatever an organizer types is shown as text, never run as markup.
func TestPagesEscapeText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	body := strings.Replace(validEvent, `"Digitale Verwaltung im Gespräch"`, `"<script>alert(1)</script> Sprechstunde"`, 1)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, body))
	page := h.do("GET", "/events/"+e.Slug, "", "").Body.String()
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; Sprechstunde") {
		t.Error("the title is not escaped on the event page")
	}
}

// Unknown pages get a German page, unknown API paths a problem; every answer carries the
// security headers.
func TestNotFoundAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rec := h.do("GET", "/events/gibt-es-nicht", "", "")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Seite nicht gefunden") {
		t.Errorf("unknown event page: %d", rec.Code)
	}
	expectProblem(t, h.do("GET", "/api/v1/nichts", "", ""), http.StatusNotFound)
	for _, path := range []string{"/", "/api/v1/events", "/nichts"} {
		rec := h.do("GET", path, "", "")
		hd := rec.Header()
		if !strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" {
			t.Errorf("%s lacks security headers: %v", path, hd)
		}
	}
}
