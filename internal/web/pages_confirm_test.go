package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// pendingRegistration registers someone for the demo follow-up (double opt-in) and returns the
// manage token the mail would carry.
func pendingRegistration(t *testing.T, h *harness, email string) string {
	t.Helper()
	ctx := context.Background()
	e, err := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	if err != nil {
		t.Fatal(err)
	}
	in := registration.Input{Name: "Erika Mustermann", Email: email, Consent: true,
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)}}
	r, token, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), e, in, h.now)
	if err != nil || r.Status != registration.StatusPending {
		t.Fatalf("register: %+v %v", r, err)
	}
	return token
}

func statusOf(t *testing.T, h *harness, token string) string {
	t.Helper()
	r, err := registration.ByToken(context.Background(), h.pool, token)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// Mail gateways open every link in a mail to scan it. Opening the confirmation link shows a page
// with one button and changes nothing; only pressing the button (a POST) confirms.
func TestConfirmLinkOnlyShowsAButton(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	token := pendingRegistration(t, h, "erika@pattensen.example")
	link := "/r/" + token + "/confirm"

	for range 3 { // a scanner may open it more than once
		if rec := h.do("GET", link, "", ""); rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", link, rec.Code)
		}
	}
	if got := statusOf(t, h, token); got != registration.StatusPending {
		t.Fatalf("after opening the link: %s, want pending", got)
	}
	rec := h.do("GET", link, "", "")
	page := rec.Body.String()
	for _, want := range []string{`<html lang="de"`, "Anmeldung bestätigen", "Digitale Kommune: Vom Typ zur Tat",
		`<form method="post" action="/r/` + token + `/confirm"`, `class="kern-btn kern-btn--primary"`} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<button"); n != 1 {
		t.Errorf("confirmation page has %d buttons, want one", n)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || !strings.Contains(rec.Header().Get("X-Robots-Tag"), "noindex") {
		t.Errorf("confirmation page may be cached or indexed: %q %q", rec.Header().Get("Cache-Control"), rec.Header().Get("X-Robots-Tag"))
	}
	en := h.do("GET", link+"?lang=en", "", "").Body.String()
	if !strings.Contains(en, `<html lang="en"`) || !strings.Contains(en, "Confirm registration") || !strings.Contains(en, `action="/r/`+token+`/confirm?lang=en"`) {
		t.Error("the English confirmation page is not English")
	}

	rec = h.postForm(link, url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("pressing the button: %d", rec.Code)
	}
	if got := statusOf(t, h, token); got != registration.StatusConfirmed {
		t.Fatalf("after pressing the button: %s, want confirmed", got)
	}
	// Once confirmed, the link leads to the registration.
	if rec := h.do("GET", link, "", ""); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/r/"+token {
		t.Errorf("the link after confirming: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := h.do("GET", "/r/not-a-token/confirm", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown token: %d", rec.Code)
	}
	// The API's POST is unchanged.
	other := pendingRegistration(t, h, "jürgen@wesel.example")
	if rec := h.do("POST", "/api/v1/registrations/"+other+"/confirm", "", ""); rec.Code != http.StatusOK || statusOf(t, h, other) != registration.StatusConfirmed {
		t.Errorf("API confirm: %d %s", rec.Code, rec.Body)
	}
}
