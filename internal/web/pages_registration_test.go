package web_test

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// postForm submits a form as a browser does.
func (h *harness) postForm(path string, form url.Values) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// mailWorker sends the harness's outbox to an in-process SMTP server.
func (h *harness) mailWorker(smtp *mailtest.Server) *mail.Worker {
	h.t.Helper()
	return smtp.Worker(h.t, h.pool, "http://podium.test", auth.ManageKey(harnessSecret))
}

// sendAll sends every due message.
func sendAll(t *testing.T, w *mail.Worker) {
	t.Helper()
	mailtest.Drain(t, w)
}

// plainText returns the decoded text/plain part of a received message.
func plainText(t *testing.T, data []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(msg.Body)
	text := string(raw)
	if i := strings.Index(text, "text/plain"); i >= 0 {
		text = text[i:]
	}
	decoded, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(text)))
	return string(decoded)
}

var confirmLink = regexp.MustCompile(`http://podium\.test(/r/[A-Za-z0-9_-]+)/confirm`)

// A practitioner registers with the form, confirms with the button behind the link in the mail, sees the
// confirmed registration, gets the confirmation with the join link, and cancels.
func TestRegistrationThroughThePages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	smtp := mailtest.Start(t)
	w := h.mailWorker(smtp)

	page := h.do("GET", "/events/"+demo.FollowUpSlug, "", "").Body.String()
	for _, want := range []string{`<form`, `for="f-name"`, `for="f-email"`, `name="answers.kommunentyp"`, `name="consent"`, "Verbindlich anmelden", "noch 100 Plätze frei"} {
		if !strings.Contains(page, want) {
			t.Errorf("event page lacks %q", want)
		}
	}

	form := url.Values{"name": {"Erika Mustermann"}, "email": {"erika@pattensen.example"}, "municipality": {"Stadt Pattensen"},
		"answers.kommunentyp": {"Die Optimierer"}, "consent": {"on"}}
	rec := h.postForm("/events/"+demo.FollowUpSlug+"/registrations", form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/events/"+demo.FollowUpSlug+"/registered?status=pending" {
		t.Fatalf("submit: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if done := h.do("GET", rec.Header().Get("Location"), "", "").Body.String(); !strings.Contains(done, "Bitte bestätigen Sie Ihre E-Mail-Adresse") {
		t.Error("the page after registering does not ask to confirm")
	}

	sendAll(t, w)
	msgs := smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails after registering, want 1", len(msgs))
	}
	m := confirmLink.FindStringSubmatch(plainText(t, msgs[0].Data))
	if m == nil {
		t.Fatalf("no confirmation link in:\n%s", plainText(t, msgs[0].Data))
	}
	manage := m[1]
	if rec := h.do("GET", manage+"/confirm", "", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="`+manage+`/confirm"`) {
		t.Fatalf("confirm link: %d", rec.Code)
	}
	rec = h.postForm(manage+"/confirm", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("confirm button: %d", rec.Code)
	}
	rec = h.do("GET", rec.Header().Get("Location"), "", "")
	body := rec.Body.String()
	if !strings.Contains(body, "Ihre E-Mail-Adresse ist bestätigt") || !strings.Contains(body, "Angemeldet, Ihr Platz ist reserviert") ||
		rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("manage page after confirming: %s", body)
	}

	sendAll(t, w)
	msgs = smtp.Messages()
	if len(msgs) != 2 || !strings.Contains(plainText(t, msgs[1].Data), personalJoinLink(t, h, strings.TrimPrefix(manage, "/r/"))) ||
		strings.Contains(string(msgs[1].Data), "konferenz.") {
		t.Fatalf("confirmation mail with the personal join link missing, or with the meeting's URL (%d mails)", len(msgs))
	}

	rec = h.postForm(manage+"/cancel", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", rec.Code)
	}
	if body := h.do("GET", rec.Header().Get("Location"), "", "").Body.String(); !strings.Contains(body, "Storniert") {
		t.Error("manage page does not show the cancellation")
	}
	sendAll(t, w)
	if msgs = smtp.Messages(); len(msgs) != 3 || !strings.Contains(plainText(t, msgs[2].Data), "storniert") {
		t.Errorf("cancellation mail missing (%d mails)", len(msgs))
	}

	// Deleting the data ends the link.
	if rec := h.postForm(manage+"/delete", url.Values{}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ihre Daten sind gelöscht") {
		t.Errorf("delete: %d", rec.Code)
	}
	if rec := h.do("GET", manage, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("manage link after deletion: %d", rec.Code)
	}
}

// An empty or wrong form comes back with every problem next to its field, a summary that links
// to them, and everything typed still there; nothing is stored.
func TestRegistrationFormErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	rec := h.postForm("/events/"+demo.FollowUpSlug+"/registrations", url.Values{"email": {"erika@"}, "organization": {"Stadt <Pattensen>"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	page := rec.Body.String()
	for _, want := range []string{
		"Bitte prüfen Sie Ihre Angaben", `href="#f-name"`, `href="#f-email"`, `href="#f-consent"`,
		`id="f-name-error"`, "Bitte geben Sie Ihren Namen an", `id="f-email-error"`, "Bitte geben Sie eine gültige E-Mail-Adresse an",
		"Ohne Ihr Einverständnis", `value="erika@"`, `value="Stadt &lt;Pattensen&gt;"`, `aria-invalid="true"`, `autofocus`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM registrations`)
	if n != 0 {
		t.Errorf("%d registrations stored from a bad form", n)
	}

	good := url.Values{"name": {"Erika"}, "email": {"erika@pattensen.example"}, "consent": {"on"}}
	h.postForm("/events/"+demo.FollowUpSlug+"/registrations", good)
	again := h.postForm("/events/"+demo.FollowUpSlug+"/registrations", good)
	if again.Code != http.StatusConflict || !strings.Contains(again.Body.String(), "bereits angemeldet") {
		t.Errorf("second registration: %d", again.Code)
	}
}
