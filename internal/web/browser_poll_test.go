package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
)

// In real browsers: a prepared poll, two people in the audience, the presenter screen and the
// moderator. The moderator opens the poll, shows its results and puts it on the presenter
// screen; both people answer; the presenter screen shows both answers, and every page every
// change, without a reload; the moderator closes it and the audience sees it closed.
func TestBrowserLivePoll(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	moderatedEvent(t, pool)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	eventUser(t, pool, e.ID, "moderatorin@example.org", auth.EventModerator)
	p, err := poll.Create(ctx, pool, e.ID, poll.Input{Kind: poll.KindSingle, Question: "Welcher Kommunentyp ist Ihre Kommune?",
		Options: []string{"Die Bedächtigen", "Die Optimierer", "Die Serviceorientierten", "Die Community Manager"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, pool, dbURL)
	person := browser(t)
	base := srv.URL + "/events/" + demo.FollowUpSlug
	mark := chromedp.Evaluate[chromedp.Void]("window.notReloaded = true")
	first, second, presenter, moderator := person(), person(), person(), person()
	do(t, first, "a person opens the questions page", chromedp.Navigate(base+"/questions"), mark)
	do(t, second, "a second person opens it", chromedp.Navigate(base+"/questions"), mark)
	do(t, presenter, "the presenter screen opens", chromedp.Navigate(base+"/present"), mark)
	if eval[bool](t, first, `!!document.getElementById('umfrage-`+itoa(p.ID)+`')`) {
		t.Fatal("the audience sees the prepared poll")
	}
	do(t, moderator, "the moderator logs in", chromedp.Navigate(base+"/moderate"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "moderatorin@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		waitFor(`location.pathname.endsWith("/moderate") && !!document.getElementById('umfrage-`+itoa(p.ID)+`')`), mark)

	pollEl := `document.getElementById('umfrage-` + itoa(p.ID) + `')`
	for _, action := range []string{"open", "show", "present"} {
		do(t, moderator, "the moderator presses "+action, press(`#umfrage-`+itoa(p.ID)+` button[value="`+action+`"]`),
			waitFor(pollEl+`.querySelector('button[value="`+action+`"]').hidden`))
	}
	for i, page := range []context.Context{first, second} {
		option := []string{"Die Optimierer", "Die Community Manager"}[i]
		do(t, page, "the poll appears open, and the person answers "+option,
			waitFor(`window.notReloaded && `+pollEl+` && !`+pollEl+`.querySelector('form').hidden`),
			chromedp.Evaluate[chromedp.Void](`Array.from(`+pollEl+`.querySelectorAll('label')).find(function (l) { return l.textContent === `+jsString(option)+`; }).click()`),
			press(`#umfrage-`+itoa(p.ID)+` button[type="submit"]`),
			waitFor(pollEl+`.querySelector('[data-slot="saved"]').textContent.includes('gespeichert')`))
	}
	rows := `Array.from(document.querySelectorAll('[data-slot="poll"] tbody tr')).map(function (tr) { return tr.textContent; }).join(' | ')`
	do(t, presenter, "the presenter screen shows the poll with both answers, without reloading",
		waitFor(`window.notReloaded && !document.querySelector('[data-slot="poll"]').hidden`),
		waitFor(`document.querySelector('[data-slot="poll"] [data-slot="participants"]').textContent === '2 Teilnahmen'`),
		waitFor(rows+` === 'Die Bedächtigen00 % | Die Optimierer150 % | Die Serviceorientierten00 % | Die Community Manager150 %'`),
		waitFor(`document.querySelector('[data-slot="poll"] .podium-bars__fill').getAttribute('width') === '0' && document.querySelectorAll('[data-slot="poll"] .podium-bars__fill')[1].getAttribute('width') === '50'`))
	do(t, moderator, "the moderator sees both answers and closes the poll",
		waitFor(pollEl+`.querySelector('[data-slot="participants"]').textContent === '2 Teilnahmen'`),
		press(`#umfrage-`+itoa(p.ID)+` button[value="close"]`),
		waitFor(pollEl+`.querySelector('[data-slot="state"]').textContent === 'Beendet'`))
	for _, page := range []context.Context{first, second} {
		do(t, page, "the audience sees it closed, with both answers, without reloading",
			waitFor(`window.notReloaded && `+pollEl+`.querySelector('form').hidden && !`+pollEl+`.querySelector('[data-slot="closed"]').hidden`),
			waitFor(pollEl+`.querySelector('[data-slot="participants"]').textContent === '2 Teilnahmen'`))
	}
	// The presenter screen fetched nothing: every change came on its one stream.
	requests := `performance.getEntriesByType('resource').filter(function (r) { return r.initiatorType === 'fetch' || r.initiatorType === 'xmlhttprequest'; }).length`
	if n := eval[int](t, presenter, requests); n != 0 {
		t.Errorf("the presenter screen made %d requests", n)
	}
	if !eval[bool](t, presenter, `window.notReloaded === true`) || !eval[bool](t, moderator, `window.notReloaded === true`) {
		t.Error("a page was loaded again")
	}
	var answers int
	pool.Get(&answers, `SELECT count(*) FROM poll_answers WHERE poll_id = $1`, p.ID)
	if answers != 2 {
		t.Errorf("%d answers stored, want 2", answers)
	}
}
