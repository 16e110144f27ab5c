package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// In real browsers: someone asks a question, a moderator logged in elsewhere approves and
// highlights it, and a second audience member's page and the presenter screen show it without
// being reloaded.
func TestBrowserLiveQuestions(t *testing.T) {
	pool, dbURL := dbtest.NewWithURL(t)
	moderatedEvent(t, pool)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	eventUser(t, pool, e.ID, "moderatorin@example.org", auth.EventModerator)
	srv := liveServer(t, pool, dbURL)
	person := browser(t)
	base := srv.URL + "/events/" + demo.FollowUpSlug
	const question = "Wie starten kleine Kommunen mit wenig Personal?"

	reader, presenter := person(), person()
	do(t, reader, "the reader opens the questions", chromedp.Navigate(base+"/questions"),
		chromedp.Evaluate[chromedp.Void]("window.notReloaded = true"))
	do(t, presenter, "the presenter screen opens", chromedp.Navigate(base+"/present"),
		chromedp.Evaluate[chromedp.Void]("window.notReloaded = true"))

	asker := person()
	do(t, asker, "someone asks", chromedp.Navigate(base+"/questions"),
		chromedp.SendKeys(chromedp.CSS("#text"), question),
		chromedp.SendKeys(chromedp.CSS("#author_name"), "Erika aus Pattensen"),
		chromedp.Click(chromedp.CSS(`form.podium-form button[type="submit"]`)),
		waitFor(`document.body.innerText.includes("Wartet auf Freigabe")`))

	moderator := person()
	do(t, moderator, "the moderator logs in", chromedp.Navigate(base+"/moderate"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "moderatorin@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		waitFor(`location.pathname.endsWith("/moderate") && document.body.innerText.includes(`+jsString(question)+`)`))
	// The moderation works with the keyboard alone: Tab to the button, Enter.
	do(t, moderator, "the moderator approves", tabTo(`document.querySelector('button[value="approve"]')`), chromedp.KeyEvent("\r"),
		waitFor(`!!document.querySelector('button[value="highlight"]')`))
	do(t, reader, "the reader sees the approved question without reloading",
		waitFor(`window.notReloaded && document.querySelector("[data-live-stream]").innerText.includes(`+jsString(question)+`)`))
	do(t, moderator, "the moderator highlights", tabTo(`document.querySelector('button[value="highlight"]')`), chromedp.KeyEvent("\r"),
		waitFor(`!!document.querySelector('button[value="unhighlight"]')`))
	do(t, presenter, "the presenter screen shows it without reloading",
		waitFor(`window.notReloaded && (document.querySelector(".podium-present__question") || {innerText: ""}).innerText.includes(`+jsString(question)+`)`))
	if got := eval[string](t, presenter, `document.querySelector(".podium-present__author").innerText`); !strings.Contains(got, "Erika aus Pattensen") {
		t.Errorf("presenter shows the author as %q", got)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
