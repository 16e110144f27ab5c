package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/web"
)

// The permission table: every event route that needs more than nothing is called by each kind
// of caller, and answers 401 without or with a wrong credential, 403 to those without the role,
// and never 401 or 403 to those with it (200 for reads).
func TestPermissionTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	a, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	b, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	_, admin := h.user("admin@example.org", "admin")
	organizer, organizerToken := h.user("orga@example.org", "organizer") // may create and copy events
	moderator, moderatorToken := h.user("moderation@example.org", "member")
	other, otherToken := h.user("other@example.org", "member")
	auth.SetEventRole(ctx, h.pool, a.ID, organizer.ID, auth.EventOrganizer)
	auth.SetEventRole(ctx, h.pool, a.ID, moderator.ID, auth.EventModerator)
	auth.SetEventRole(ctx, h.pool, b.ID, other.ID, auth.EventOrganizer)

	base, _ := url.Parse("http://podium.test")
	srv, err := web.New(h.pool, &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: time.Hour, Secret: harnessSecret}, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name, token string
		allowed     func(auth.Need) bool
	}{
		{"no credentials", "", nil},
		{"a wrong token", "pdm_not-a-token", nil},
		{"the organizer of another event", otherToken, func(auth.Need) bool { return false }},
		{"a moderator of the event", moderatorToken, func(n auth.Need) bool { return n == auth.NeedModerator }},
		{"an organizer of the event", organizerToken, func(auth.Need) bool { return true }},
		{"an admin", admin, func(auth.Need) bool { return true }},
	}
	// The pages first: the API's calls below cancel the event.
	checkPagePermissions(t, h, srv, a, map[string]*auth.User{"organizer": organizer, "moderator": moderator, "other": other})
	checked := 0
	for _, route := range srv.Permissions() {
		if route.Need == auth.NeedNothing || route.Page {
			continue
		}
		checked++
		path := strings.NewReplacer(":slug", a.Slug, ":user_id", "999999", ":id", "999999").Replace(route.Path)
		body := ""
		if route.Method == "POST" || route.Method == "PATCH" {
			body = "{}"
		}
		for _, c := range callers {
			code := h.do(route.Method, path, c.token, body).Code
			var ok bool
			switch {
			case c.allowed == nil:
				ok = code == http.StatusUnauthorized
			case !c.allowed(route.Need):
				ok = code == http.StatusForbidden
			case route.Method == "GET" && strings.HasSuffix(route.Path, "/certificates.zip"):
				ok = code == http.StatusConflict // the event has not ended: no certificates yet
			case route.Method == "GET":
				ok = code == http.StatusOK
			default:
				ok = code != http.StatusUnauthorized && code != http.StatusForbidden
			}
			if !ok {
				t.Errorf("%s %s by %s: %d", route.Method, route.Path, c.name, code)
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d protected routes found", checked)
	}
	t.Logf("%d protected routes, %d callers each", checked, len(callers))
}

// The same table for the pages of an event, with the browser's session cookie: a visitor without
// a login is sent to the login page, the others get the "Kein Zugriff" page (403) unless their
// role allows the page.
func checkPagePermissions(t *testing.T, h *harness, srv *web.Server, a *event.Event, users map[string]*auth.User) {
	ctx := context.Background()
	adminUser, _ := h.user("admin-pages@example.org", "admin")
	users["admin"] = adminUser
	cookies := map[string]string{}
	for name, u := range users {
		secret, err := auth.CreateSession(ctx, h.pool, u.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cookies[name] = secret
	}
	callers := []struct {
		name, cookie string
		allowed      func(auth.Need) bool
	}{
		{"no login", "", nil},
		{"an ended session", "not-a-session", nil},
		{"the organizer of another event", cookies["other"], func(auth.Need) bool { return false }},
		{"a moderator of the event", cookies["moderator"], func(n auth.Need) bool { return n == auth.NeedModerator }},
		{"an organizer of the event", cookies["organizer"], func(auth.Need) bool { return true }},
		{"an admin", cookies["admin"], func(auth.Need) bool { return true }},
	}
	checked := 0
	for _, route := range srv.Permissions() {
		if route.Need == auth.NeedNothing || !route.Page {
			continue
		}
		checked++
		path := strings.NewReplacer(":slug", a.Slug, ":user_id", "999999", ":id", "999999", ":key", "kommunentyp").Replace(route.Path)
		for _, c := range callers {
			req := httptest.NewRequest(route.Method, path, nil)
			if route.Method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if c.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "podium_session", Value: c.cookie})
			}
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req)
			code, location := rec.Code, rec.Header().Get("Location")
			toLogin := code == http.StatusSeeOther && strings.HasPrefix(location, "/login?next=")
			var ok bool
			switch {
			case c.allowed == nil:
				ok = toLogin
			case !c.allowed(route.Need):
				ok = code == http.StatusForbidden && strings.Contains(rec.Body.String(), "Kein Zugriff")
			case route.Method == "GET" && strings.HasSuffix(route.Path, "/delete"):
				ok = code == http.StatusConflict // only drafts are deleted; this event is published
			case route.Method == "GET":
				ok = code == http.StatusOK
			default:
				ok = !toLogin && code != http.StatusForbidden && code < 500
			}
			if !ok {
				t.Errorf("page %s %s by %s: %d %s", route.Method, route.Path, c.name, code, location)
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d protected pages found", checked)
	}
	t.Logf("%d protected pages, %d callers each", checked, len(callers))
}
