package web_test

import (
	"context"
	"log/slog"
	"net/http"
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

// The permission table of the organizers' pages of an event, called with the session cookies of a
// browser: without a login they lead to the login page; the organizer of another event and a
// moderator of this one are refused with 403 (also when they may create events); the event's
// organizers and admins are let in. Creating an event needs an account that may create events.
func TestPagePermissionTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	other, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	for _, email := range []string{"orga@example.org", "fremd@example.org", "moderation@example.org"} {
		organizerAccount(t, h.pool, email)
	}
	eventUser(t, h.pool, 0, "admin@example.org", "")
	eventUser(t, h.pool, 0, "mitglied@example.org", "")
	h.pool.MustExec(`UPDATE users SET role = 'admin' WHERE email = 'admin@example.org'`)
	for email, grant := range map[string]struct {
		id   int64
		role string
	}{"orga@example.org": {e.ID, auth.EventOrganizer}, "fremd@example.org": {other.ID, auth.EventOrganizer}, "moderation@example.org": {e.ID, auth.EventModerator}} {
		u, _ := auth.UserByEmail(ctx, h.pool, email)
		auth.SetEventRole(ctx, h.pool, grant.id, u.ID, grant.role)
	}
	session := map[string]*http.Cookie{}
	for _, email := range []string{"orga@example.org", "fremd@example.org", "moderation@example.org", "admin@example.org", "mitglied@example.org"} {
		session[email] = h.login(email, testPassword)
	}

	base, _ := url.Parse("http://podium.test")
	srv, err := web.New(h.pool, &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: time.Hour, Secret: harnessSecret}, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	refused := func(res *http.Response) bool {
		return res.StatusCode == http.StatusForbidden
	}
	toLogin := func(res *http.Response) bool {
		return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?next=")
	}
	var routes []web.RoutePermission
	for _, r := range srv.Permissions() {
		if r.Page && r.Need == auth.NeedOrganizer && strings.HasPrefix(r.Path, "/admin/events/:slug/") {
			routes = append(routes, r)
		}
	}
	if len(routes) < 13 {
		t.Fatalf("only %d pages of an event are registered", len(routes))
	}
	for _, route := range routes {
		if route.Need != auth.NeedOrganizer {
			t.Errorf("%s %s needs %v", route.Method, route.Path, route.Need)
		}
		path := strings.NewReplacer(":slug", e.Slug, ":key", "kommunentyp").Replace(route.Path)
		call := func(who string) *http.Response {
			var cookies []*http.Cookie
			if c := session[who]; c != nil {
				cookies = append(cookies, c)
			}
			if route.Method == "GET" {
				return h.getPage(path, cookies...)
			}
			return h.postPage(path, url.Values{}, cookies...)
		}
		if res := call("anonymous"); !toLogin(res) {
			t.Errorf("%s %s without a login: %d %s", route.Method, path, res.StatusCode, res.Header.Get("Location"))
		}
		for _, who := range []string{"fremd@example.org", "moderation@example.org", "mitglied@example.org"} {
			if res := call(who); !refused(res) {
				t.Errorf("%s %s by %s: %d", route.Method, path, who, res.StatusCode)
			}
		}
		for _, who := range []string{"orga@example.org", "admin@example.org"} {
			if res := call(who); refused(res) || toLogin(res) || res.StatusCode == http.StatusNotFound && route.Method == "GET" {
				t.Errorf("%s %s by %s: %d", route.Method, path, who, res.StatusCode)
			}
		}
	}
	for _, method := range []string{"GET", "POST"} {
		call := func(who string) *http.Response {
			if method == "GET" {
				return h.getPage("/admin/events/new", session[who])
			}
			return h.postPage("/admin/events/new", url.Values{}, session[who])
		}
		if res := h.getPage("/admin/events/new"); method == "GET" && !toLogin(res) {
			t.Errorf("the new event form without a login: %d", res.StatusCode)
		}
		if res := call("mitglied@example.org"); !refused(res) {
			t.Errorf("%s /admin/events/new by a member: %d", method, res.StatusCode)
		}
		if res := call("fremd@example.org"); refused(res) || toLogin(res) {
			t.Errorf("%s /admin/events/new by an organizer: %d", method, res.StatusCode)
		}
	}
	if res := h.postPage("/admin/events/new", url.Values{}); !toLogin(res) {
		t.Errorf("creating without a login: %d", res.StatusCode)
	}
}
