package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/registration"
)

// A seat holder follows the personal link from their registration page too early and is told
// when the room opens; at the right moment the same page's button leads into the meeting, and
// the organizer's dashboard shows the person attended, with the time they joined.
func TestBrowserJoin(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	meeting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html lang="de"><title>Konferenz</title><h1>Konferenzraum 4711</h1></html>`) //nolint:errcheck // a test page
	}))
	t.Cleanup(meeting.Close)

	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	in := event.NewInput()
	in.Title = "Digitale Kommune: Sprechstunde"
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.OnlineURL = meeting.URL + "/raum-4711"
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.Status, in.DoubleOptIn = event.StatusPublished, false
	e, err := event.Create(ctx, pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, manage, err := registration.Register(ctx, pool, auth.ManageKey(harnessSecret), e,
		registration.Input{Name: "Erika Mustermann", Email: "erika@pattensen.example", Consent: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	eventUser(t, pool, e.ID, "orga@example.org", auth.EventOrganizer)
	var clock atomic.Int64
	clock.Store(start.Add(-time.Hour).UnixNano())
	srv := liveServerAt(t, pool, dbURL, func(*config.Config) {}, func() time.Time { return time.Unix(0, clock.Load()) })

	person := browser(t)
	erika, organizer := person(), person()
	do(t, erika, "follow the personal link an hour early", chromedp.Navigate(srv.URL+"/r/"+manage),
		press(`a[href$="/join"]`),
		waitFor(`document.body.innerText.includes("Der Zugang öffnet um")`))
	if eval[bool](t, erika, `document.documentElement.outerHTML.includes("raum-4711")`) {
		t.Error("the page before the opening shows the meeting's URL")
	}

	joinedAt := start.Add(5 * time.Minute)
	clock.Store(joinedAt.UnixNano())
	do(t, erika, "try again once the event has begun", press(`a.kern-btn--primary[href$="/join"]`),
		waitFor(`location.host === `+jsString(strings.TrimPrefix(meeting.URL, "http://"))),
		waitFor(`document.querySelector("h1").innerText === "Konferenzraum 4711"`))

	do(t, organizer, "log in and open the dashboard", chromedp.Navigate(srv.URL+"/login"),
		fill("E-Mail-Adresse", "orga@example.org"), fill("Passwort", testPassword), press(`form button[type="submit"]`),
		waitFor(`location.pathname === "/admin"`),
		chromedp.Navigate(srv.URL+"/admin/events/"+e.Slug),
		waitFor(`document.body.innerText.includes("Erika Mustermann")`))
	row := eval[string](t, organizer, `[...document.querySelectorAll("section[aria-labelledby=anmeldungen] tbody tr")].find(tr => tr.innerText.includes("Erika")).innerText`)
	when := i18n.ShortDate(joinedAt, e.Zone(), "de") + ", " + i18n.Clock(joinedAt, e.Zone(), "de")
	if !strings.Contains(row, "teilgenommen") || !strings.Contains(row, when) {
		t.Errorf("the dashboard's row %q, want attended and first joined %s", row, when)
	}
	if n := eval[string](t, organizer, `[...document.querySelectorAll("section[aria-labelledby=zahlen] dt")].find(dt => dt.innerText === "Teilgenommen").nextElementSibling.innerText`); n != "1" {
		t.Errorf("the dashboard counts %s attended", n)
	}
}
