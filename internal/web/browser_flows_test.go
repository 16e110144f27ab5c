package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
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

// byLabel is a JavaScript expression for the form control whose label starts with text.
func byLabel(text string) string {
	return `document.getElementById([...document.querySelectorAll("label")].find(l => l.textContent.trim().startsWith(` + jsString(text) + `)).htmlFor)`
}

// fill types into the control a label names, as a person does.
func fill(label, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](byLabel(label)+".focus()"),
		chromedp.KeyEvent(value))
}

// A practitioner registers for the upcoming demo event through the page, confirms with the link
// from the mail, sees the seat, downloads the invite and cancels.
func TestBrowserRegistration(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	if err := demo.Load(context.Background(), pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, pool, dbURL)
	smtp := mailtest.Start(t)
	worker := smtp.Worker(t, pool, srv.URL, auth.ManageKey(harnessSecret))
	worker.Poll = 50 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go worker.Run(ctx)

	page := browser(t)()
	do(t, page, "open the event and fill the form by its labels",
		chromedp.Navigate(srv.URL+"/events/"+demo.FollowUpSlug),
		fill("Name", "Erika Mustermann"),
		fill("E-Mail-Adresse", "erika@pattensen.example"),
		fill("Kommune", "Pattensen"),
		chromedp.Evaluate[chromedp.Void](byLabel("Welcher Kommunentyp")+`.value = "Die Optimierer"`),
		chromedp.Evaluate[chromedp.Void](byLabel("Ich bin mit")+".click()"),
		press(`form button[type="submit"]`),
		waitFor(`location.pathname.endsWith("/registered")`))

	msgs := smtp.Wait(t, 1, 10*time.Second)
	link := regexp.MustCompile(`http://[^\s"<>]+/r/[A-Za-z0-9_-]+/confirm`).FindString(strings.ReplaceAll(string(msgs[0].Data), "=\r\n", ""))
	if link == "" {
		t.Fatalf("no confirmation link in the mail")
	}
	do(t, page, "confirm with the button behind the link from the mail", chromedp.Navigate(link),
		waitFor(`document.body.innerText.includes("Bitte bestätigen Sie Ihre Anmeldung")`),
		press(`form[action*="/confirm"] button`),
		waitFor(`document.body.innerText.includes("Ihre E-Mail-Adresse ist bestätigt")`),
		waitFor(`document.body.innerText.includes("Angemeldet, Ihr Platz ist reserviert")`))
	invite := eval[string](t, page, `fetch(document.querySelector('a[href$="invite.ics"]').href).then(r => r.text())`)
	if !strings.Contains(invite, "METHOD:REQUEST") || !strings.Contains(invite, "Digitale Kommune: Vom Typ zur Tat") {
		t.Errorf("the invite download: %.200s", invite)
	}
	do(t, page, "cancel", press(`form[action*="/cancel"] button`),
		waitFor(`document.body.innerText.includes("Ihre Anmeldung ist storniert")`))
}

// A form sent empty names each problem next to its field, keeps what was typed, and puts the
// focus on the summary, so a screen reader reads it first.
func TestBrowserFormErrors(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	if err := demo.Load(context.Background(), pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()
	do(t, page, "send the form with only a municipality",
		chromedp.Navigate(srv.URL+"/events/"+demo.FollowUpSlug),
		fill("Kommune", "Kreis Wesel"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("form[action$='/registrations']").noValidate = true`),
		press(`form button[type="submit"]`),
		waitFor(`!!document.getElementById("fehler")`))
	// The browser moves focus to an autofocus element at its next rendering step, not at once
	// when the element is parsed: wait for it rather than race it.
	if err := chromedp.Do(page, waitFor(`document.activeElement.id === "fehler"`)); err != nil {
		t.Errorf("focus is on %q, want the error summary", eval[string](t, page, `document.activeElement.id`))
	}
	if kept := eval[string](t, page, byLabel("Kommune")+".value"); kept != "Kreis Wesel" {
		t.Errorf("the municipality became %q", kept)
	}
	for _, label := range []string{"Name", "E-Mail-Adresse"} {
		described := eval[string](t, page, `(() => { const f = `+byLabel(label)+`; const id = f.getAttribute("aria-describedby"); return f.getAttribute("aria-invalid") + " " + (id ? document.getElementById(id).innerText : ""); })()`)
		if !strings.HasPrefix(described, "true ") || len(described) < 10 {
			t.Errorf("%s: %q, want aria-invalid and an error text next to it", label, described)
		}
	}
	links := eval[int](t, page, `document.querySelectorAll("#fehler a[href^='#']").length`)
	if links < 2 {
		t.Errorf("the summary links %d fields", links)
	}
}

// An organizer logs in, opens /admin and downloads the attendee list as CSV.
func TestBrowserAdminDownload(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	eventUser(t, pool, e.ID, "orga@example.org", auth.EventOrganizer)
	pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, confirmed_at)
		VALUES ($1, 'confirmed', 'Jürgen Weiß', 'juergen@wesel.example', now(), '\x01', now())`, e.ID)
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()
	do(t, page, "log in and open the dashboard",
		chromedp.Navigate(srv.URL+"/login"),
		fill("E-Mail-Adresse", "orga@example.org"),
		fill("Passwort", testPassword),
		press(`form button[type="submit"]`),
		waitFor(`location.pathname === "/admin"`),
		chromedp.Click(chromedp.CSS(`a[href="/admin/events/`+demo.FollowUpSlug+`"]`)),
		waitFor(`document.body.innerText.includes("Teilnehmerliste als CSV-Datei")`))
	csv := eval[string](t, page, `fetch([...document.querySelectorAll("a")].find(a => a.innerText.includes("CSV-Datei")).href).then(r => r.text())`)
	if !strings.Contains(csv, "Jürgen Weiß;juergen@wesel.example") {
		t.Errorf("the CSV: %.200s", csv)
	}
}

// tabTo presses Tab until the control with this label has the focus, as a keyboard user does.
func tabTo(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for range 60 {
			there, err := chromedp.Evaluate[bool]("document.activeElement === "+expression)(ctx, tg)
			if err != nil {
				return err
			}
			if there {
				return nil
			}
			if _, err := chromedp.KeyEvent("\t")(ctx, tg); err != nil {
				return err
			}
		}
		return fmt.Errorf("Tab never reaches %s", expression)
	})
}

// The registration form works with the keyboard alone: Tab from the top of the page to each
// field, type, choose the Kommunentyp by typing, tick the consent with Space, send with Enter.
func TestBrowserKeyboardRegistration(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	if err := demo.Load(context.Background(), pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()
	do(t, page, "register with the keyboard", chromedp.Navigate(srv.URL+"/events/"+demo.FollowUpSlug),
		tabTo(byLabel("Name")), chromedp.KeyEvent("Erika Mustermann"),
		tabTo(byLabel("E-Mail-Adresse")), chromedp.KeyEvent("erika@pattensen.example"),
		tabTo(byLabel("Welcher Kommunentyp")), chromedp.KeyEvent("Die O"),
		tabTo(byLabel("Ich bin mit")), chromedp.KeyEvent(" "),
		tabTo(`document.querySelector("form[action$='/registrations'] button[type=submit]")`), chromedp.KeyEvent("\r"),
		waitFor(`location.pathname.endsWith("/registered")`))
	var answer string
	pool.Get(&answer, `SELECT answers->>'kommunentyp' FROM registrations`)
	if answer != "Die Optimierer" {
		t.Errorf("the Kommunentyp chosen by keyboard is %q", answer)
	}
}
