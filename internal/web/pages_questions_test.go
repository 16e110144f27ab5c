package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// postPage sends a form as a browser does, with its cookies, and returns the answer.
func (h *harness) postPage(path string, form url.Values, cookies ...*http.Cookie) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.send(req, cookies...)
}

func (h *harness) getPage(path string, cookies ...*http.Cookie) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest("GET", path, nil)
	return h.send(req, cookies...)
}

func (h *harness) send(req *http.Request, cookies ...*http.Cookie) *http.Response {
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func body(res *http.Response) string {
	b := new(strings.Builder)
	_, _ = io.Copy(b, res.Body)
	return b.String()
}

func cookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// login logs a user in through the form and returns the session cookie.
func (h *harness) login(email, password string) *http.Cookie {
	h.t.Helper()
	res := h.postPage("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	c := cookie(res, "podium_session")
	if res.StatusCode != http.StatusSeeOther || c == nil {
		h.t.Fatalf("login: %d", res.StatusCode)
	}
	return c
}

// The whole Q&A without JavaScript: a person asks through the form, sees their question as
// pending, the moderator logs in, approves and highlights it, and the audience and presenter
// pages show it. HTML typed into the question is shown as text on every page.
func TestQuestionPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "moderation@example.org", auth.EventModerator)
	base := "/events/" + demo.FollowUpSlug
	const evil = `<script>alert("x")</script><b>fett</b>`

	first := h.getPage(base + "/questions")
	participant := cookie(first, "podium_participant")
	if first.StatusCode != http.StatusOK || participant == nil || !participant.HttpOnly {
		t.Fatalf("audience page: %d, cookie %+v", first.StatusCode, participant)
	}
	res := h.postPage(base+"/questions", url.Values{"text": {evil}, "author_name": {"Erika"}}, participant)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "asked=pending") {
		t.Fatalf("ask: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	own := body(h.getPage(base+"/questions", participant))
	if !strings.Contains(own, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;fett&lt;/b&gt;") || !strings.Contains(own, "Wartet auf Freigabe") {
		t.Errorf("the asker's page does not show the escaped pending question")
	}
	if other := body(h.getPage(base + "/questions")); strings.Contains(other, "fett") {
		t.Error("another person sees a pending question")
	}
	if res := h.postPage(base+"/questions", url.Values{"text": {strings.Repeat("x", 501)}}, participant); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), "höchstens 500 Zeichen") {
		t.Errorf("too long: %d", res.StatusCode)
	}

	if res := h.getPage(base + "/moderate"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Fatalf("moderate without login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := h.postPage("/login", url.Values{"email": {"moderation@example.org"}, "password": {"falsch"}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	session := h.login("moderation@example.org", testPassword)
	page := body(h.getPage(base+"/moderate", session))
	if !strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, evil) {
		t.Fatal("the moderation page does not show the question escaped")
	}
	var id string
	h.pool.Get(&id, `SELECT id::text FROM questions`)
	for _, action := range []string{"approve", "highlight"} {
		if res := h.postPage(base+"/moderate/"+id, url.Values{"action": {action}}, session); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", action, res.StatusCode)
		}
	}
	res = h.postPage(base+"/moderate/"+id, url.Values{"action": {"edit"}, "text": {"   "}}, session)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), "Text: Bitte füllen Sie dieses Feld aus.") {
		t.Errorf("an empty edit: %d, want the reason on the page", res.StatusCode)
	}
	h.now = h.now.Add(time.Second) // a newcomer's page may be a second old
	for _, path := range []string{base + "/questions", base + "/present"} {
		page := body(h.getPage(path))
		if !strings.Contains(page, "&lt;b&gt;fett&lt;/b&gt;") || strings.Contains(page, "<b>fett</b>") {
			t.Errorf("%s does not show the approved question escaped", path)
		}
		// The presenter screen is shared as it is: the question alone, no site header or footer.
		framed := strings.Contains(page, `class="podium-header"`) && strings.Contains(page, "Impressum")
		if presenter := strings.HasSuffix(path, "/present"); framed == presenter {
			t.Errorf("%s: site header and footer shown: %v", path, framed)
		}
	}
	res = h.postPage(base+"/questions/"+id+"/vote", url.Values{"vote": {"add"}}, participant)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(body(h.getPage(base+"/questions", participant)), "1 Stimme") {
		t.Errorf("vote from the form: %d", res.StatusCode)
	}

	// A moderator of this event is refused the moderation of another; logging out ends the session.
	if res := h.getPage("/events/"+demo.WebsessionSlug+"/moderate", session); res.StatusCode != http.StatusForbidden {
		t.Errorf("moderating another event: %d", res.StatusCode)
	}
	h.postPage("/logout", nil, session)
	if res := h.getPage(base+"/moderate", session); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", res.StatusCode)
	}
}

// A form posted from another site is refused, so a foreign page cannot vote or moderate with
// the visitor's cookies.
func TestCrossSiteFormIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	req, _ := http.NewRequest("POST", "/events/"+demo.FollowUpSlug+"/questions", strings.NewReader("text=Hallo"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if res := h.send(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", res.StatusCode)
	}
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM questions`)
	if n != 0 {
		t.Errorf("%d questions stored", n)
	}
}

// A session ends after two hours without use and after twelve hours in any case; the browser
// is sent to the login page again.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	eventUser(t, h.pool, 0, "orga@example.org", "")
	start := h.now
	session := h.login("orga@example.org", testPassword)
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v", session)
	}
	for i := range 7 { // used every 1 h 50 min: alive until the twelfth hour
		h.now = start.Add(time.Duration(i+1) * 110 * time.Minute)
		res := h.getPage("/admin", session)
		alive := h.now.Sub(start) < 12*time.Hour
		if (res.StatusCode == http.StatusOK) != alive {
			t.Errorf("after %s: %d", h.now.Sub(start), res.StatusCode)
		}
	}
	h.now = start
	fresh := h.login("orga@example.org", testPassword)
	h.now = start.Add(2*time.Hour + time.Minute)
	if res := h.getPage("/admin", fresh); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("after 2 h idle: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// Password guessing is limited to 10 attempts a minute per address; the 11th is refused with
// Retry-After, even with the right password.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	eventUser(t, h.pool, 0, "orga@example.org", "")
	for i := range 10 {
		if res := h.postPage("/login", url.Values{"email": {"orga@example.org"}, "password": {"geraten"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	res := h.postPage("/login", url.Values{"email": {"orga@example.org"}, "password": {testPassword}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || cookie(res, "podium_session") != nil {
		t.Errorf("11th attempt: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
