package web_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// The organizer of the demo follow-up after the event's day, in Chromium: searches the
// attendance list, ticks two people and saves; ticks everyone with "Alle markieren" and saves;
// writes to everyone with a seat, sees the preview with the count, sends, and the mails arrive;
// reinstates a cancelled registration from the dashboard and sees it confirmed.
func TestBrowserAttendanceAndMessages(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	eventUser(t, pool, e.ID, "orga@example.org", auth.EventOrganizer)
	ids := seated(t, pool, e,
		guest{"Erika Mustermann", "erika@pattensen.example", "Stadt Pattensen", "de"},
		guest{"Jürgen Weiß", "juergen@wesel.example", "Kreis Wesel", "de"},
		guest{"Hannah Groß", "hannah@freiburg.example", "Stadt Freiburg im Breisgau", "en"},
		guest{"Aylin Öztürk", "aylin@koeln.example", "Stadt Köln", "de"})
	var gone int64
	pool.Get(&gone, `INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, cancelled_at)
		VALUES ($1, 'cancelled', 'Jana Kranz', 'jana@kreis-wesel.example', now(), '\x07', now()) RETURNING id`, e.ID)
	srv := liveServer(t, pool, dbURL)
	smtp := mailtest.Start(t)
	worker := smtp.Worker(t, pool, srv.URL, auth.ManageKey(harnessSecret))
	worker.Poll = 50 * time.Millisecond
	workerCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go worker.Run(workerCtx)

	page := browser(t)()
	dashboard := srv.URL + "/admin/events/" + demo.FollowUpSlug
	do(t, page, "log in and open the attendance list from the dashboard",
		chromedp.Navigate(srv.URL+"/login"), fill("E-Mail-Adresse", "orga@example.org"), fill("Passwort", testPassword),
		press(`form button[type="submit"]`), waitFor(`location.pathname === "/admin"`),
		chromedp.Navigate(dashboard),
		chromedp.Click(chromedp.CSS(`a[href$="/attendance"]`)),
		waitFor(`document.querySelector("h1").innerText === "Teilnahme erfassen"`))

	do(t, page, "search for the towns, tick both and save",
		fill("Suchen nach", "Stadt"), press(`form[role="search"] button`),
		waitFor(`document.querySelectorAll('input[name="present"]').length === 3`),
		chromedp.Evaluate[chromedp.Void](byLabel("Erika Mustermann")+".click()"),
		chromedp.Evaluate[chromedp.Void](byLabel("Hannah Groß")+".click()"),
		press(`form[data-attendance] button:not([name])`),
		waitFor(`document.body.innerText.includes("Gespeichert: 2 als teilgenommen markiert")`))
	if marked := eval[[]string](t, page, `[...document.querySelectorAll('input[name="present"]:checked')].map(b => b.labels[0].innerText)`); strings.Join(marked, ",") != "Erika Mustermann,Hannah Groß" {
		t.Errorf("after saving, ticked: %v", marked)
	}
	if got := attendedOf(t, pool, ids...); !got[0] || got[1] || !got[2] || got[3] {
		t.Errorf("attended after the first save: %v", got)
	}

	do(t, page, "show everyone, tick all with one box and save",
		chromedp.Navigate(srv.URL+"/admin/events/"+demo.FollowUpSlug+"/attendance"),
		waitFor(`!document.querySelector("[data-select-all]").hidden`),
		chromedp.Evaluate[chromedp.Void](byLabel("Alle markieren")+".click()"),
		waitFor(`[...document.querySelectorAll('input[name="present"]')].every(b => b.checked)`),
		press(`form[data-attendance] button:not([name])`),
		waitFor(`document.body.innerText.includes("Gespeichert: 2 als teilgenommen markiert")`))
	if got := attendedOf(t, pool, ids...); !got[0] || !got[1] || !got[2] || !got[3] {
		t.Errorf("attended after marking all: %v", got)
	}

	const text = "Bitte testen Sie vorab Ton und Kamera. Der Raum öffnet 15 Minuten vor Beginn."
	do(t, page, "write to everyone with a seat and look at the preview",
		chromedp.Navigate(dashboard),
		chromedp.Click(chromedp.CSS(`a[href$="/message"]`)),
		waitFor(`document.querySelector("h1").innerText === "Nachricht an Teilnehmende"`),
		chromedp.Evaluate[chromedp.Void](byLabel("Alle mit Platz")+".click()"),
		fill("Betreff", "Technik-Check"), fill("Nachricht", text),
		press(`form[action$="/message/preview"] button`),
		waitFor(`document.body.innerText.includes("Die Nachricht geht an 4 Personen.")`))
	previews := eval[string](t, page, `[...document.querySelectorAll(".podium-mail")].map(m => m.innerText).join("\n---\n")`)
	for _, want := range []string{"Guten Tag Erika Mustermann,", "Hello Jane Doe,", text, "Technik-Check – Digitale Kommune: Vom Typ zur Tat"} {
		if !strings.Contains(previews, want) {
			t.Errorf("the preview lacks %q:\n%s", want, previews)
		}
	}
	do(t, page, "send",
		press(`form[action$="/message"] button`),
		waitFor(`document.body.innerText.includes("ist unterwegs")`))

	arrived := map[string]bool{}
	deadline := time.Now().Add(15 * time.Second)
	for len(arrived) < 4 && time.Now().Before(deadline) {
		for _, m := range smtp.Messages() {
			if strings.Contains(plainText(t, m.Data), "Der Raum öffnet 15 Minuten vor Beginn.") {
				arrived[m.To[0]] = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(arrived) != 4 {
		t.Errorf("the message reached %v, want the 4 people with a seat", arrived)
	}

	do(t, page, "reinstate the cancelled registration from its row",
		chromedp.Navigate(dashboard),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("tr")].find(r => r.innerText.includes("Jana Kranz")).querySelector('form[action$="/reinstate"] button').click()`),
		waitFor(`document.body.innerText.includes("Die Anmeldung ist wieder aufgenommen und hat einen Platz.")`))
	if row := eval[string](t, page, `[...document.querySelectorAll("tr")].find(r => r.innerText.includes("Jana Kranz")).innerText`); !strings.Contains(row, "Angemeldet") {
		t.Errorf("Jana's row after reinstating: %q", row)
	}
	var status string
	pool.Get(&status, `SELECT status FROM registrations WHERE id = $1`, gone)
	if status != "confirmed" {
		t.Errorf("Jana's registration is %s", status)
	}
	deadline = time.Now().Add(15 * time.Second)
	confirmed := false
	for !confirmed && time.Now().Before(deadline) {
		for _, m := range smtp.Messages() {
			confirmed = confirmed || m.To[0] == "jana@kreis-wesel.example" && strings.Contains(plainText(t, m.Data), "Ihre Anmeldung f")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !confirmed {
		t.Errorf("Jana got no confirmation mail")
	}
}
