package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// inGroup is a JavaScript expression for the control of a type in the fieldset whose legend starts
// with legend: the date of "Beginn".
func inGroup(legend, control string) string {
	return `[...document.querySelectorAll("fieldset")].find(f => f.querySelector("legend").textContent.trim().startsWith(` +
		jsString(legend) + `)).querySelector(` + jsString(control) + `)`
}

// newQuestion is a JavaScript expression for the control with the label in the form that adds a
// question (the questions above have forms with the same labels).
func newQuestion(label string) string {
	return `document.getElementById([...document.getElementById("neue-frage").parentElement.querySelectorAll("label")].find(l => l.textContent.trim().startsWith(` +
		jsString(label) + `)).htmlFor)`
}

// set gives the control of an expression a value, as choosing from a picker or a list does.
func set(expression, value string) chromedp.Action[chromedp.Void] {
	literal, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](expression + ".value = " + string(literal))
}

// pageHas waits until the page shows the text.
func pageHas(text string) chromedp.Action[chromedp.Void] {
	return waitFor(`document.body.innerText.includes(` + jsString(text) + `)`)
}

// clickLink follows the link whose text starts with text.
func clickLink(text string) chromedp.Action[chromedp.Void] {
	find := `[...document.querySelectorAll("a")].find(a => a.textContent.trim().startsWith(` + jsString(text) + `))`
	return chromedp.Steps(waitFor(find), chromedp.Evaluate[chromedp.Void](find+".click()"))
}

// pressButton presses the button whose text starts with text, as a keyboard user does.
func pressButton(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("button")].find(b => b.textContent.trim().startsWith(`+jsString(text)+`)).focus()`),
		chromedp.KeyEvent("\r"))
}

// An organizer runs an event from the browser alone: creates it (a mistake is named in German
// next to its field, with everything typed kept), adds registration questions, looks at the
// preview, which nobody else can see yet, and publishes it for everyone.
func TestBrowserOrganizerRunsAnEvent(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	organizerAccount(t, pool, "orga@example.org")
	srv := liveServer(t, pool, dbURL)
	person := browser(t)
	organizer, visitor := person(), person()

	logIn(t, organizer, srv.URL, "orga@example.org", testPassword)
	do(t, organizer, "open the form for a new event", clickLink("Neue Veranstaltung anlegen"), pageHas("Worum es geht"))
	do(t, organizer, "fill the form, forgetting the title and ending before the start",
		fill("Untertitel", "Websession mit Praxisbeispielen"),
		fill("Gastgebende", "ÖFIT"),
		set(inGroup("Beginn", "input[type=date]"), "2030-03-07"), set(inGroup("Beginn", "input[type=time]"), "17:00"),
		set(inGroup("Ende", "input[type=time]"), "16:30"),
		fill("Ort", "Online (Websession)"),
		fill("Plätze", "80"),
		pressButton("Entwurf anlegen"),
		waitFor(`!!document.getElementById("fehler")`))
	if kept := eval[string](t, organizer, byLabel("Untertitel")+".value"); kept != "Websession mit Praxisbeispielen" {
		t.Errorf("the subtitle became %q", kept)
	}
	if kept := eval[string](t, organizer, byLabel("Plätze")+".value"); kept != "80" {
		t.Errorf("the seats became %q", kept)
	}
	for label, want := range map[string]string{"Titel": "Bitte füllen Sie dieses Feld aus.", "Ende": "Bitte einen Zeitpunkt nach „Beginn“ angeben."} {
		control := byLabel(label)
		if label == "Ende" {
			control = inGroup("Ende", "input[type=date]")
		}
		described := eval[string](t, organizer, `(() => { const f = `+control+`; return f.getAttribute("aria-invalid") + " " + f.getAttribute("aria-describedby").split(" ").map(id => document.getElementById(id).innerText).join(" "); })()`)
		if !strings.HasPrefix(described, "true ") || !strings.HasSuffix(strings.TrimSpace(described), want) {
			t.Errorf("%s: %q, want the error %q next to it", label, described, want)
		}
	}

	do(t, organizer, "correct the title and the end, and create the draft",
		fill("Titel", "Digitale Kommune: Daten teilen"),
		set(inGroup("Ende", "input[type=time]"), "18:30"),
		pressButton("Entwurf anlegen"),
		pageHas("Der Entwurf ist angelegt."))
	do(t, organizer, "add a choice question and a tick box, and put the tick box first",
		clickLink("Anmeldefragen bearbeiten"), pageHas("Neue Frage"),
		chromedp.Evaluate[chromedp.Void](newQuestion("Frage")+".focus()"), chromedp.KeyEvent("Wie groß ist Ihre Kommune?"),
		set(newQuestion("Antwort als"), "select"),
		set(newQuestion("Antwortmöglichkeiten"), "klein\nmittel\ngroß"),
		pressButton("Frage hinzufügen"), pageHas("Die Frage ist hinzugefügt."),
		chromedp.Evaluate[chromedp.Void](newQuestion("Frage")+".focus()"), chromedp.KeyEvent("Ich möchte über weitere Websessions informiert werden"),
		set(newQuestion("Antwort als"), "checkbox"),
		pressButton("Frage hinzufügen"), pageHas("Frage 2: Ich möchte über weitere Websessions informiert werden"),
		pressButton("Nach oben"), pageHas("Die Reihenfolge ist geändert."))
	if first := eval[string](t, organizer, `document.querySelector("h3").innerText`); first != "Frage 1: Ich möchte über weitere Websessions informiert werden" {
		t.Errorf("the first question is %q", first)
	}

	var slug string
	if err := pool.Get(&slug, `SELECT slug FROM events`); err != nil {
		t.Fatal(err)
	}
	do(t, visitor, "a visitor cannot see the draft", chromedp.Navigate(srv.URL+"/events/"+slug), pageHas("Seite nicht gefunden"))
	do(t, organizer, "preview the draft as attendees will see it",
		clickLink("Zurück zu „Digitale Kommune: Daten teilen“"), pageHas("Vorschau der öffentlichen Seite"),
		clickLink("Vorschau der öffentlichen Seite"),
		pageHas("Vorschau – Entwurf"), pageHas("Wie groß ist Ihre Kommune?"), pageHas("Ich möchte über weitere Websessions informiert werden"),
		pageHas("Donnerstag, 7. März 2030, 17:00–18:30 Uhr"))
	do(t, organizer, "publish from the preview", pressButton("Veröffentlichen"), pageHas("Die Veranstaltung ist veröffentlicht."))
	do(t, visitor, "the visitor finds it published, with the questions in the form",
		chromedp.Navigate(srv.URL+"/events/"+slug), pageHas("Digitale Kommune: Daten teilen"), pageHas("Wie groß ist Ihre Kommune?"))
	if eval[bool](t, visitor, `document.body.innerText.includes("Vorschau")`) {
		t.Error("the published page still says preview")
	}
}

// An organizer copies the 2020 websession to a new date from its dashboard, finds its panel, its
// agenda at the same times of day and its Kommunentyp question on the copy, and deletes the copy
// again after the confirmation page.
func TestBrowserDuplicateAndDelete(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	organizerAccount(t, pool, "orga@example.org")
	e, _ := event.BySlug(ctx, pool, demo.WebsessionSlug)
	orga, _ := auth.UserByEmail(ctx, pool, "orga@example.org")
	if err := auth.SetEventRole(ctx, pool, e.ID, orga.ID, auth.EventOrganizer); err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()

	logIn(t, page, srv.URL, "orga@example.org", testPassword)
	do(t, page, "open the websession's dashboard and copy it to 10 June 2027",
		chromedp.Navigate(srv.URL+"/admin/events/"+demo.WebsessionSlug),
		clickLink("Duplizieren"), pageHas("Neuer Beginn"),
		set(byLabel("Titel"), ""), fill("Titel", "Digitale Kommune: Eine Typfrage? (Wiederholung)"),
		set(inGroup("Neuer Beginn", "input[type=date]"), "2027-06-10"),
		pressButton("Als Entwurf kopieren"),
		pageHas("Die Kopie ist als Entwurf angelegt."))
	for _, want := range []string{"Stadt Pattensen", "Kreis Wesel", "17:25–18:10 Uhr Podiumsdiskussion mit Praxisexpertinnen und -experten", "Anmeldefragen bearbeiten (1)"} {
		if !eval[bool](t, page, `document.body.innerText.includes(`+jsString(want)+`)`) {
			t.Errorf("the copy's dashboard lacks %q", want)
		}
	}
	do(t, page, "preview the copy", clickLink("Vorschau der öffentlichen Seite"), pageHas("Vorschau – Entwurf"),
		pageHas("Donnerstag, 10. Juni 2027, 17:00–18:30 Uhr"), pageHas("Welcher Kommunentyp beschreibt Ihre Kommune am besten?"),
		pageHas("Fragen aus dem Publikum"), pageHas("Stadt Freiburg im Breisgau"))
	copyPath := eval[string](t, page, `location.pathname`)

	do(t, page, "delete the copy after the confirmation page",
		clickLink("Zurück zur Verwaltung der Veranstaltung"), pageHas("Entwurf löschen"), clickLink("Entwurf löschen"),
		pageHas("Der Entwurf wird endgültig gelöscht."),
		pressButton("Entwurf endgültig löschen"),
		pageHas("Der Entwurf ist gelöscht."))
	do(t, page, "the copy is gone", chromedp.Navigate(srv.URL+copyPath), pageHas("Seite nicht gefunden"))
	if original, err := event.BySlug(ctx, pool, demo.WebsessionSlug); err != nil || original.Status != event.StatusPublished {
		t.Errorf("the original after deleting the copy: %v", err)
	}
}
