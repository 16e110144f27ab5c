package web_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// A moderator logs in and finds, on /admin, the websession they moderate with the way to its
// moderation and its presenter screen, and not the dashboard, which is not theirs. The presenter
// screen shows the question alone, for screen sharing.
func TestBrowserModeratorFindsModeration(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, err := event.BySlug(ctx, pool, demo.FollowUpSlug)
	if err != nil {
		t.Fatal(err)
	}
	eventUser(t, pool, e.ID, "moderation@pattensen.example", auth.EventModerator)
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()

	logIn(t, page, srv.URL, "moderation@pattensen.example", testPassword)
	do(t, page, "find the event to moderate", pageHas("Zu moderieren"), pageHas(e.Title))
	if eval[bool](t, page, `[...document.querySelectorAll("a")].some(a => a.pathname === "/admin/events/`+e.Slug+`")`) {
		t.Error("/admin links the moderator to the dashboard, which answers Kein Zugriff")
	}
	do(t, page, "open the moderation", clickLink("Fragen moderieren"),
		waitFor(`location.pathname === "/events/`+e.Slug+`/moderate"`), pageHas("Fragen moderieren"))
	do(t, page, "back, and open the presenter screen", chromedp.Navigate(srv.URL+"/admin"), clickLink("Präsentationsansicht"),
		waitFor(`location.pathname === "/events/`+e.Slug+`/present"`))
	if framed := eval[bool](t, page, `!!document.querySelector("header.podium-header, footer.podium-footer")`); framed {
		t.Error("the presenter screen shows the site's header or footer")
	}
}
