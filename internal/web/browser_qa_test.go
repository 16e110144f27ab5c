package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// In real browsers: two people in the audience and the presenter screen are open. A vote in one
// audience page reorders the other; someone asks, a moderator logged in elsewhere approves and
// highlights the question, and every open page shows each change in place, in the right order,
// without fetching the page or anything else again.
func TestBrowserLiveQuestions(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	moderatedEvent(t, pool)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	eventUser(t, pool, e.ID, "moderatorin@example.org", auth.EventModerator)
	srv := liveServer(t, pool, dbURL)
	person := browser(t)
	base := srv.URL + "/events/" + demo.FollowUpSlug
	const (
		older    = "Was kostet der Einstieg?"
		newer    = "Wer hilft bei der Ausschreibung?"
		question = "Wie starten kleine Kommunen mit wenig Personal?"
	)
	for _, text := range []string{older, newer} {
		pool.MustExec(`INSERT INTO questions (event_id, text, participant, status) VALUES ($1, $2, 'earlier', 'approved')`, e.ID, text)
	}

	// Every page the test watches notes that it was loaded once; a reload would lose the mark.
	mark := chromedp.Evaluate[chromedp.Void]("window.notReloaded = true")
	reader, voter, presenter := person(), person(), person()
	do(t, reader, "a reader opens the questions", chromedp.Navigate(base+"/questions"), mark)
	do(t, voter, "a second reader opens the questions", chromedp.Navigate(base+"/questions"), mark)
	do(t, presenter, "the presenter screen opens", chromedp.Navigate(base+"/present"), mark)

	order := `Array.from(document.querySelectorAll('[data-list="audience"] [data-slot="text"]')).map(function (p) { return p.textContent; }).join(' | ')`
	do(t, voter, "the second reader supports the newer question",
		press(fmt.Sprintf(`li[data-question]:nth-child(2) button[value="add"]`)),
		waitFor(`document.querySelector('li[data-question]:first-child [data-slot="votes"]').textContent === '1 Stimme'`))
	do(t, reader, "the first reader sees it move up, counted, without reloading",
		waitFor(`window.notReloaded && `+order+` === `+jsString(newer+" | "+older)),
		waitFor(`document.querySelector('li[data-question]:first-child [data-slot="votes"]').textContent === '1 Stimme'`))

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
		waitFor(`location.pathname.endsWith("/moderate") && document.body.innerText.includes(`+jsString(question)+`)`), mark)
	// The moderation works with the keyboard alone: Tab to the button, Enter.
	do(t, moderator, "the moderator approves", tabTo(`document.querySelector('[data-list="pending"] button[value="approve"]')`), chromedp.KeyEvent("\r"),
		waitFor(`document.querySelector('[data-list="approved"]').innerText.includes(`+jsString(question)+`) && document.querySelector('[data-count="pending"]').textContent === '0'`))
	for _, page := range []context.Context{reader, voter} {
		do(t, page, "the audience sees the approved question last, with no votes yet, without reloading",
			waitFor(`window.notReloaded && `+order+` === `+jsString(newer+" | "+older+" | "+question)))
	}
	do(t, moderator, "the moderator highlights it", tabTo(`document.querySelector('[data-list="approved"] li:last-child button[value="highlight"]')`), chromedp.KeyEvent("\r"),
		waitFor(`!document.querySelector('[data-list="approved"] li:first-child button[value="unhighlight"]').hidden`))
	for _, page := range []context.Context{reader, voter} {
		do(t, page, "the audience sees it on top, marked, without reloading",
			waitFor(`window.notReloaded && `+order+` === `+jsString(question+" | "+newer+" | "+older)),
			waitFor(`!document.querySelector('li[data-question]:first-child [data-slot="highlighted"]').hidden`))
	}
	do(t, presenter, "the presenter screen shows it without reloading",
		waitFor(`window.notReloaded && document.querySelector('[data-slot="question"]').innerText.includes(`+jsString(question)+`)`))
	if got := eval[string](t, presenter, `document.querySelector(".podium-present__author").innerText`); !strings.Contains(got, "Erika aus Pattensen") {
		t.Errorf("presenter shows the author as %q", got)
	}
	if !eval[bool](t, moderator, `window.notReloaded === true`) {
		t.Error("the moderation page was loaded again for the moderator's own actions")
	}

	// Nothing asked the server again: the only requests after loading were the voter's vote
	// and the moderator's two changes.
	requests := `performance.getEntriesByType('resource').filter(function (r) { return r.initiatorType === 'fetch' || r.initiatorType === 'xmlhttprequest'; }).map(function (r) { return new URL(r.name).pathname; }).join(' ')`
	for name, c := range map[string]struct {
		page context.Context
		want string
	}{
		"reader":    {reader, ""},
		"presenter": {presenter, ""},
		"voter":     {voter, fmt.Sprintf("/api/v1/events/%s/questions/%s/vote", demo.FollowUpSlug, eval[string](t, voter, `document.querySelectorAll('li[data-question]')[1].getAttribute('data-question')`))},
	} {
		if got := eval[string](t, c.page, requests); got != c.want {
			t.Errorf("the %s's page fetched %q, want %q", name, got, c.want)
		}
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
