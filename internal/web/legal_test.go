package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/web"
)

// Without texts of the operator's own, the three legal pages show Podium's examples, say so on
// the page, and state what this installation does (its retention period); every page links to
// them, and the registration form's consent links to the privacy statement.
func TestLegalPagesWithTheExamples(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	for path, wants := range map[string][]string{
		"/impressum":        {"<h1 class=\"kern-heading-x-large\">Impressum</h1>", "Verantwortlich für den Inhalt"},
		"/datenschutz":      {"Datenschutzerklärung</h1>", "Verantwortliche Stelle", "Spätestens 180 Tage nach dem Ende", "48 Stunden", "Art. 15 DSGVO", "Art. 77 DSGVO"},
		"/barrierefreiheit": {"Erklärung zur Barrierefreiheit</h1>", "Stand der Vereinbarkeit", "Nicht barrierefreie Inhalte", "Erstellung dieser Erklärung", "Feedback und Kontakt", "Schlichtungsstelle", "http://podium.test"},
	} {
		rec := h.do("GET", path, "", "")
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		for _, want := range append(wants, "Beispieltext: Der Betreiber") {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	if body := h.do("GET", "/datenschutz?lang=en", "", "").Body.String(); !strings.Contains(body, "Privacy statement</h1>") ||
		!strings.Contains(body, "available in German only") || !strings.Contains(body, `<div class="podium-prose" lang="de">`) {
		t.Error("the English privacy page does not say that its text is German")
	}

	for _, path := range []string{"/", "/events/" + demo.FollowUpSlug, "/login", "/events/gibt-es-nicht"} {
		body := h.do("GET", path, "", "").Body.String()
		for _, link := range []string{`href="/impressum"`, `href="/datenschutz"`, `href="/barrierefreiheit"`} {
			if !strings.Contains(body, link) {
				t.Errorf("%s: the footer lacks %s", path, link)
			}
		}
	}
	if body := h.do("GET", "/?lang=en", "", "").Body.String(); !strings.Contains(body, `href="/barrierefreiheit?lang=en">Accessibility statement`) {
		t.Error("the English footer does not link to the English accessibility page")
	}
	form := h.do("GET", "/events/"+demo.FollowUpSlug, "", "").Body.String()
	if !strings.Contains(form, `Tage nach der Veranstaltung werden sie gelöscht. <a class="kern-link" href="/datenschutz">`) {
		t.Error("the consent text of the form does not link to the privacy statement")
	}
}

// The operator's own Markdown replaces an example, with the facts filled in and without any
// HTML of its own; a page they have not written yet still shows the example.
func TestLegalPagesOfTheOperator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := "## Anbieter\n\nKreis Wesel, Reeser Landstraße 31, 46483 Wesel.\n\n<script>alert(1)</script>\n\n" +
		"[Klick](javascript:alert(1)) Daten löschen wir nach {{.RetentionDays}} Tagen.\n"
	if err := os.WriteFile(filepath.Join(dir, "impressum.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://podium.test")
	cfg := &config.Config{BaseURL: base, RetentionDays: 90, ConfirmWithin: 48 * time.Hour, Secret: harnessSecret, LegalDir: dir}
	srv, err := web.New(dbtest.New(t), cfg, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, handler: srv.Handler()}
	body := h.do("GET", "/impressum", "", "").Body.String()
	for _, want := range []string{"<h2>Anbieter</h2>", "Kreis Wesel, Reeser Landstraße 31", "nach 90 Tagen"} {
		if !strings.Contains(body, want) {
			t.Errorf("the operator's Impressum lacks %q", want)
		}
	}
	for _, never := range []string{"<script>alert", "javascript:", "Beispieltext"} {
		if strings.Contains(body, never) {
			t.Errorf("the operator's Impressum carries %q", never)
		}
	}
	if body := h.do("GET", "/datenschutz", "", "").Body.String(); !strings.Contains(body, "Beispieltext") || !strings.Contains(body, "Spätestens 90 Tage") {
		t.Error("a page the operator has not written does not show the example with the facts")
	}

	if err := os.WriteFile(filepath.Join(dir, "datenschutz.md"), []byte("Frist: {{.Unbekannt}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := web.New(dbtest.New(t), cfg, slog.New(slog.DiscardHandler), time.Now); err == nil || !strings.Contains(err.Error(), "datenschutz.md") {
		t.Errorf("a text naming an unknown fact starts the server: %v", err)
	}
}

// A registration keeps which consent it gave, with the wording; its holder downloads everything
// Podium holds about it, and nothing once they have erased it.
func TestConsentRecordedAndDisclosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	smtp := mailtest.Start(t)
	w := h.mailWorker(smtp)
	form := url.Values{"name": {"Jürgen Weiß"}, "email": {"juergen@wesel.example"}, "municipality": {"Kreis Wesel"},
		"answers.kommunentyp": {"Die Bedächtigen"}, "consent": {"on"}}
	if rec := h.postForm("/events/"+demo.FollowUpSlug+"/registrations", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("register: %d", rec.Code)
	}
	sendAll(t, w)
	m := confirmLink.FindStringSubmatch(plainText(t, smtp.Messages()[0].Data))
	if m == nil {
		t.Fatal("no manage link in the confirmation mail")
	}
	manage := m[1]

	for _, path := range []string{manage + "/data", "/api/v1/registrations/" + strings.TrimPrefix(manage, "/r/") + "/data"} {
		rec := h.do("GET", path, "", "")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), `attachment; filename="podium-anmeldung-`) {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Disposition"))
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, rec.Header().Get("Cache-Control"))
		}
		var d struct {
			Registration struct {
				Name           string          `json:"name"`
				Email          string          `json:"email"`
				Answers        json.RawMessage `json:"answers"`
				ConsentVersion string          `json:"consent_version"`
			} `json:"registration"`
			Event   struct{ Title string }
			Consent struct {
				Version, Text    string
				PrivacyStatement string `json:"privacy_statement"`
			}
			Mails []struct {
				Kind   string     `json:"kind"`
				SentAt *time.Time `json:"sent_at"`
			}
			Retention struct {
				ErasedAfter time.Time `json:"erased_after"`
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
		if d.Registration.Name != "Jürgen Weiß" || d.Registration.Email != "juergen@wesel.example" || !strings.Contains(string(d.Registration.Answers), "Die Bedächtigen") || d.Event.Title != e.Title {
			t.Errorf("%s: the registration: %+v, %+v", path, d.Registration, d.Event)
		}
		if d.Consent.Version == "" || d.Consent.Version != d.Registration.ConsentVersion ||
			!strings.Contains(d.Consent.Text, "Ich bin mit der Verarbeitung meiner Angaben") || !strings.Contains(d.Consent.PrivacyStatement, "## Verantwortliche Stelle") {
			t.Errorf("%s: the consent: %+v (registration names %q)", path, d.Consent, d.Registration.ConsentVersion)
		}
		if len(d.Mails) != 1 || d.Mails[0].Kind != "confirm" || d.Mails[0].SentAt == nil {
			t.Errorf("%s: the mails: %+v", path, d.Mails)
		}
		if !d.Retention.ErasedAfter.Equal(e.EndsAt.AddDate(0, 0, 180)) {
			t.Errorf("%s: erased after %s, want 180 days after %s", path, d.Retention.ErasedAfter, e.EndsAt)
		}
	}
	if page := h.do("GET", manage, "", "").Body.String(); !strings.Contains(page, `href="`+manage+`/data"`) {
		t.Error("the manage page does not offer the download")
	}

	if rec := h.postForm(manage+"/delete", url.Values{}); rec.Code >= 400 {
		t.Fatalf("erase: %d", rec.Code)
	}
	if rec := h.do("GET", manage+"/data", "", ""); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Weiß") {
		t.Errorf("after erasure the download answers %d", rec.Code)
	}
}
