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
	organizer, organizerToken := h.user("orga@example.org", "member")
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
	checked := 0
	for _, route := range srv.Permissions() {
		if route.Need == auth.NeedNothing {
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
