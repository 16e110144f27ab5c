package web_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/certificate"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/export"
	"github.com/podium-events/podium/internal/feedback"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/templates"
)

// axeSource is Deque's axe-core; `make test` installs it from the npm registry.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PODIUM_AXE")
	if path == "" {
		t.Fatal("PODIUM_AXE is not set: run the tests with `make test`, which installs axe-core")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// audit runs axe-core in the page against WCAG 2.1 A and AA and returns the serious and
// critical violations. The page's Content-Security-Policy is bypassed for the injection only.
func auditPage(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	do(t, ctx, "inject axe-core", chromedp.Evaluate[chromedp.Void](axe))
	return eval[[]string](t, ctx, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")))`)
}

// Every page a person meets passes axe-core without serious or critical violations, has no
// horizontal scrolling at 375 px width or at 200 % zoom, and shows where the keyboard focus is.
// With PODIUM_SCREENSHOTS set to a folder, the main pages are saved there for the README.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	orga := eventUser(t, pool, e.ID, "orga@example.org", auth.EventOrganizer)
	for i, text := range []string{"Wie gehen kleine Kommunen mit wenig Personal vor?", "Welche Rolle spielt die Kommunalaufsicht?", "Gibt es Förderprogramme?"} {
		q, err := qa.Ask(ctx, pool, e, "p", text, []string{"Erika aus Pattensen", "", "Jürgen, Kreis Wesel"}[i])
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if _, err := qa.Moderate(ctx, pool, e.ID, q.ID, qa.Change{Status: ptrTo(qa.StatusApproved), Highlighted: ptrTo(i == 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Polls on every page that shows them: an open one with its results shown and answers, an
	// open free-text one, and a draft (the moderators'). The websession's closed poll is on its
	// presenter screen.
	choice, _ := poll.Create(ctx, pool, e.ID, poll.Input{Kind: poll.KindMultiple, Question: "Was nutzt Ihre Kommune schon?",
		Explanation: "Mehrere Antworten möglich.", Options: []string{"E-Akte", "Bürgerportal", "Chatbot"}})
	words, _ := poll.Create(ctx, pool, e.ID, poll.Input{Kind: poll.KindText, Question: "Digitalisierung in einem Wort?"})
	poll.Create(ctx, pool, e.ID, poll.Input{Kind: poll.KindRating, Question: "Wie zufrieden sind Sie?", Scale: 5})
	for _, p := range []*poll.Poll{choice, words} {
		if _, err := poll.Update(ctx, pool, e.ID, p.ID, poll.Change{State: ptrTo(poll.StateOpen), ResultsVisible: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, voter := range []string{"a", "b", "c"} {
		v := poll.NewVoter(harnessSecret, voter)
		poll.Submit(ctx, pool, e.ID, choice.ID, v, poll.Answer{Options: []int{0, i}[:1+i%2]})
		poll.Submit(ctx, pool, e.ID, words.ID, v, poll.Answer{Text: ptrTo([]string{"Mut", "mut", "Bürgerportal"}[i])})
	}
	_, confirmToken, err := registration.Register(ctx, pool, auth.ManageKey(harnessSecret), e, registration.Input{
		Name: "Jürgen Beispiel", Email: "juergen@wesel.example", Consent: true,
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Bedächtigen"`)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Someone who attended the 2020 websession, with a certificate to check.
	past, _ := event.BySlug(ctx, pool, demo.WebsessionSlug)
	if err := auth.SetEventRole(ctx, pool, past.ID, orga.ID, auth.EventOrganizer); err != nil {
		t.Fatal(err)
	}
	attended, attendedToken, err := registration.Register(ctx, pool, auth.ManageKey(harnessSecret), past, registration.Input{
		Name: "Jürgen Weiß", Email: "juergen@wesel.example", Consent: true}, past.StartsAt.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`UPDATE registrations SET attended = true WHERE id = $1`, attended.ID)
	attended.Attended = true
	cert, err := certificate.Issue(ctx, pool, attended.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := followup.Send(ctx, pool, past, followup.Options{Certificates: true, PollResults: true, Feedback: true,
		Questions: followup.Questions{{Label: "Wie hilfreich war das Impulsreferat?", Kind: followup.KindRating}, {Label: "Welches Thema als Nächstes?", Kind: followup.KindText}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := feedback.Submit(ctx, pool, attended, past, feedback.Answer{Rating: 4, Takeaway: "Mehr Mut", Extra: []string{"5", "Förderprogramme"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`DELETE FROM feedback_given`) // answered, and still able to answer for the page below
	// A seat, for the registration page with its join link and the page that link shows weeks
	// before the event; the unconfirmed registration's link shows why it does not work yet.
	key := auth.ManageKey(harnessSecret)
	_, seatToken, err := registration.Register(ctx, pool, key, e, registration.Input{
		Name: "Hannah Groß", Email: "hannah@freiburg.example", Consent: true,
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seated, err := registration.Confirm(ctx, pool, seatToken, time.Now(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	unconfirmed, err := registration.ByToken(ctx, pool, confirmToken)
	if err != nil {
		t.Fatal(err)
	}
	// Hannah came: the attendance list shows a ticked box. Jana cancelled: her row offers to
	// reinstate her.
	if _, err := registration.SetAttendance(ctx, pool, e.ID, []int64{seated.ID}, nil); err != nil {
		t.Fatal(err)
	}
	_, janaToken, err := registration.Register(ctx, pool, key, e, registration.Input{Name: "Jana Kranz", Email: "jana@kreis-wesel.example", Consent: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := registration.Cancel(ctx, pool, janaToken, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The organizer may create events, and has a draft to preview and delete.
	pool.MustExec(`UPDATE users SET role = 'organizer' WHERE id = $1`, orga.ID)
	draftInput := event.InputOf(e)
	draftInput.Slug, draftInput.Title, draftInput.Status = "", "Digitale Kommune: Daten teilen", event.StatusDraft
	draft, err := event.Create(ctx, pool, draftInput, orga)
	if err != nil {
		t.Fatal(err)
	}
	// Accounts for the account pages: an admin, an open invitation, a disabled account, a
	// forgotten password, and tokens of the organizer.
	admin := account(t, pool, "admin@example.org", auth.RoleAdmin)
	for _, in := range []auth.Invitation{{Email: "moderation@pattensen.example", Role: auth.RoleMember, Language: "de"}, {Email: "orga@koeln.example", Role: auth.RoleOrganizer, Language: "en"}} {
		if _, err := auth.Invite(ctx, pool, key, in, admin, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	former := account(t, pool, "ehemals@wesel.example", auth.RoleOrganizer)
	if err := auth.Disable(ctx, pool, admin, former.ID); err != nil {
		t.Fatal(err)
	}
	if err := auth.RequestReset(ctx, pool, key, "orga@example.org", "de", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Teilnehmerliste für das Intranet", "Statistik der Kommunalaufsicht"} {
		if _, _, err := auth.CreateNamedToken(ctx, pool, orga.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	srv := liveServer(t, pool, dbURL)
	axe := axeSource(t)
	person := browser(t)
	visitor, organizer, administrator := person(), person(), person()
	for _, ctx := range []context.Context{visitor, organizer, administrator} {
		if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
			t.Fatalf("bypass CSP for axe: %v", err)
		}
	}
	do(t, organizer, "log in", chromedp.Navigate(srv.URL+"/login"), fill("E-Mail-Adresse", "orga@example.org"),
		fill("Passwort", testPassword), press(`form button[type="submit"]`), waitFor(`location.pathname === "/admin"`))
	do(t, administrator, "log in", chromedp.Navigate(srv.URL+"/login"), fill("E-Mail-Adresse", "admin@example.org"),
		fill("Passwort", testPassword), press(`form button[type="submit"]`), waitFor(`location.pathname === "/admin"`))
	newToken := func() {
		do(t, organizer, "make a token", chromedp.Navigate(srv.URL+"/account/tokens"), fill("Wofür ist das Token?", "Export für das Kreisportal"),
			press(`form[action="/account/tokens"] button`), waitFor(`!!document.getElementById("token-secret")`))
	}
	base := "/events/" + demo.FollowUpSlug
	registered := func() {
		do(t, visitor, "register", chromedp.Navigate(srv.URL+base), fill("Name", "Erika Mustermann"),
			fill("E-Mail-Adresse", "erika@pattensen.example"),
			chromedp.Evaluate[chromedp.Void](byLabel("Welcher Kommunentyp")+`.value = "Die Optimierer"`),
			chromedp.Evaluate[chromedp.Void](byLabel("Ich bin mit")+".click()"),
			press(`form button[type="submit"]`), waitFor(`location.pathname.endsWith("/registered")`))
	}
	// The message page as the organizer checks a message before sending it.
	previewed := func() {
		do(t, organizer, "write a message and preview it", chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(srv.URL+"/admin/events/"+demo.FollowUpSlug+"/message"),
			fill("Betreff", "Technik-Check vor der Folgesitzung"),
			fill("Nachricht", "Bitte testen Sie vorab Ton und Kamera. Der Raum öffnet 15 Minuten vor Beginn; wir helfen Ihnen dort gern."),
			press(`form[action$="/message/preview"] button`), waitFor(`!!document.getElementById("vorschau")`))
	}
	newEventErrors := func() {
		do(t, organizer, "send the new event form with mistakes", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/admin/events/new"),
			set(inGroup("Beginn", "input[type=date]"), "2030-03-07"), set(inGroup("Beginn", "input[type=time]"), "17:00"),
			set(inGroup("Ende", "input[type=time]"), "16:30"), set(byLabel("Erinnerungen"), "24h, morgen"),
			set(byLabel("E-Mail-Adresse der Veranstaltenden"), "ÖFIT <veranstaltungen@example.org>"),
			press(`form[action="/admin/events/new"] button[type="submit"]`), waitFor(`!!document.getElementById("fehler")`))
	}
	pages := []struct {
		name, path string
		who        context.Context
		before     func()
	}{
		{"home", "/", visitor, nil},
		{"event", base, visitor, nil},
		{"registered", "", visitor, registered},
		{"questions", base + "/questions", visitor, nil},
		{"present", base + "/present", visitor, nil},
		{"present-poll", "/events/" + demo.WebsessionSlug + "/present", visitor, nil},
		{"confirm", "/r/" + confirmToken + "/confirm", visitor, nil},
		{"manage", "/r/" + seatToken, visitor, nil},
		{"join-early", "/r/" + registration.JoinToken(key, seated) + "/join", visitor, nil},
		{"join-refused", "/r/" + registration.JoinToken(key, unconfirmed) + "/join", visitor, nil},
		{"join-unknown", "/r/1.gibt-es-nicht/join?lang=en", visitor, nil},
		{"login", "/login", visitor, nil},
		{"impressum", "/impressum", visitor, nil},
		{"attended", "/r/" + attendedToken, visitor, nil},
		{"verify", "/verify", visitor, nil},
		{"feedback", "/r/" + attendedToken + "/feedback", visitor, nil},
		{"verified", "/verify/" + cert.Code, visitor, nil},
		{"verify-unknown", "/verify/AAAAA-AAAAA-AAAAA-AAAAA", visitor, nil},
		{"datenschutz", "/datenschutz", visitor, nil},
		{"barrierefreiheit", "/barrierefreiheit", visitor, nil},
		{"not-found", "/events/gibt-es-nicht", visitor, nil},
		{"moderate", base + "/moderate", organizer, nil},
		{"admin", "/admin", organizer, nil},
		{"admin-event", "/admin/events/" + demo.FollowUpSlug, organizer, nil},
		{"admin-after", "/admin/events/" + demo.WebsessionSlug, organizer, nil},
		{"attendance", "/admin/events/" + demo.FollowUpSlug + "/attendance?status=all", organizer, nil},
		{"message", "", organizer, previewed},
		{"reinstate", "/admin/events/" + demo.FollowUpSlug + "?status=cancelled#anmeldungen", organizer, nil},
		{"event-new", "/admin/events/new", organizer, nil},
		{"event-new-errors", "", organizer, newEventErrors},
		{"event-edit", "/admin/events/" + demo.FollowUpSlug + "/edit", organizer, nil},
		{"event-questions", "/admin/events/" + demo.FollowUpSlug + "/questions", organizer, nil},
		{"event-duplicate", "/admin/events/" + demo.WebsessionSlug + "/duplicate", organizer, nil},
		{"event-cancel", "/admin/events/" + demo.FollowUpSlug + "/cancel", organizer, nil},
		{"event-preview", "/events/" + draft.Slug, organizer, nil},
		{"event-delete", "/admin/events/" + draft.Slug + "/delete", organizer, nil},
		{"accounts", "/admin/accounts", administrator, nil},
		{"account", "/account", organizer, nil},
		{"tokens", "", organizer, newToken},
		{"forgot", "/password/forgot", visitor, nil},
		{"invitation", "/invitation/" + linkToken(t, pool, "moderation@pattensen.example", auth.PurposeInvitation), visitor, nil},
		{"reset", "/password/reset/" + linkToken(t, pool, "orga@example.org", auth.PurposeReset), visitor, nil},
	}
	// Pages that the README shows; the other pages are checked all the same.
	unshown := map[string]bool{"login": true, "not-found": true, "home": true, "manage": true,
		"event-duplicate": true, "event-cancel": true, "event-delete": true}
	kern, err := fs.ReadFile(templates.FS, "static/kern/kern.css")
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("PODIUM_SCREENSHOTS")
	if shots != "" {
		spreadsheetScreenshot(t, pool, e, shots)
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			if p.before != nil {
				p.before()
			} else {
				do(t, p.who, "open "+p.path, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+p.path))
			}
			if v := auditPage(t, p.who, axe); len(v) > 0 {
				t.Errorf("axe-core finds:\n%s", strings.Join(v, "\n"))
			}
			for _, problem := range missingParts(t, p.who, kern) {
				t.Error(problem)
			}
			for _, problem := range overlaps(t, p.who) {
				t.Errorf("at 1280 px %s", problem)
			}
			if shots != "" && !unshown[p.name] && !strings.HasPrefix(p.name, "join-") {
				shot, err := chromedp.Run(p.who, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(shots, p.name+".png"), shot, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, width := range []int64{375, 640} { // a phone, and 1280 px at 200 % zoom
				do(t, p.who, "narrow the window", chromedp.EmulateViewport(width, 800))
				if wide := eval[bool](t, p.who, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
					t.Errorf("at %d px the page scrolls sideways (%d px wide)", width, eval[int](t, p.who, `document.documentElement.scrollWidth`))
				}
				for _, problem := range overlaps(t, p.who) {
					t.Errorf("at %d px %s", width, problem)
				}
			}
			do(t, p.who, "back to the desktop", chromedp.EmulateViewport(1280, 900))
			do(t, p.who, "tab to the first link", chromedp.KeyEvent("\t"))
			outline := eval[string](t, p.who, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth + " " + s.boxShadow; })()`)
			if strings.HasPrefix(outline, "none 0px none") || eval[string](t, p.who, `document.activeElement.tagName`) == "BODY" {
				t.Errorf("the focused element shows no focus: %q", outline)
			}
		})
	}
}

// missingParts names what the page asked for and did not get (a file, a font), and the KERN
// classes on it that the shipped stylesheet has no rule for: `make assets` cuts KERN down to
// the classes found in templates/, so one built in code would otherwise render unstyled.
func missingParts(t *testing.T, ctx context.Context, kern []byte) []string {
	t.Helper()
	missing := eval[[]string](t, ctx, `document.fonts.ready.then(() => [
		...performance.getEntriesByType("resource").filter(r => r.responseStatus >= 400).map(r => "missing file " + r.name + " (" + r.responseStatus + ")"),
		...[...document.fonts].filter(f => f.status === "error").map(f => "font not loaded: " + f.family + " " + f.weight)])`)
	classes := eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll("[class]")].flatMap(e => [...e.classList]))].filter(c => c.startsWith("kern-"))`)
	for _, class := range classes {
		if !regexp.MustCompile(`\.` + regexp.QuoteMeta(class) + `([^\w-]|$)`).Match(kern) {
			missing = append(missing, "class "+class+" has no rule in kern.css: run `make assets`")
		}
	}
	return missing
}

// overlaps names the buttons and form controls drawn over visible text outside them: a button
// that covers the end of a name, a label under a select.
func overlaps(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return eval[[]string](t, ctx, `(() => {
		const texts = [];
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		while (walker.nextNode()) {
			const node = walker.currentNode, el = node.parentElement;
			if (!node.textContent.trim() || !el || el.closest(".kern-sr-only, script, style") || !el.checkVisibility()) continue;
			const range = document.createRange();
			range.selectNodeContents(node);
			for (const rect of range.getClientRects()) texts.push({node, rect});
		}
		const out = [];
		for (const control of document.querySelectorAll("button, input:not([type=hidden]), select, textarea")) {
			if (!control.checkVisibility()) continue; // e.g. in a closed <details>
			// The control and what it draws: a label inside may reach beyond the control's box.
			const boxes = [control, ...control.querySelectorAll("*")].map(e => e.getBoundingClientRect()).filter(b => b.width && b.height);
			const covered = texts.find(({node, rect}) =>
				!control.contains(node) && !(control.labels && [...control.labels].some(l => l.contains(node))) &&
				boxes.some(box => Math.min(box.right, rect.right) - Math.max(box.left, rect.left) > 1 &&
					Math.min(box.bottom, rect.bottom) - Math.max(box.top, rect.top) > 2));
			if (covered) out.push((control.textContent.trim() || control.name || control.type) + " covers “" + covered.node.textContent.trim().slice(-40) + "”");
		}
		return out;
	})()`)
}

// spreadsheetScreenshot writes the follow-up's attendee list as XLSX and has LibreOffice Calc
// render it, for the README's picture of the sheet as people open it.
func spreadsheetScreenshot(t *testing.T, pool *sqlx.DB, e *event.Event, dir string) {
	t.Helper()
	people := []struct{ name, email, org, town, answer string }{
		{"Jürgen Weiß", "juergen.weiss@kreis-wesel.example", "Kreis Wesel", "Wesel", "Die Optimierer"},
		{"Aylin Öztürk", "a.oeztuerk@stadt-koeln.example", "Stadt Köln", "Köln", "Die Serviceorientierten"},
		{"Hannah Groß", "hannah.gross@freiburg.example", "Stadt Freiburg im Breisgau", "Freiburg", "Die Community Manager"},
		{"=HYPERLINK(\"http://evil.example\")", "test@example.org", "+49 511 123", "Pattensen", "Die Bedächtigen"},
	}
	for i, p := range people {
		pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, organization, municipality, answers, consent_at, token_hash, confirmed_at)
			VALUES ($1, 'confirmed', $2, $3, $4, $5, jsonb_build_object('kommunentyp', $6::text), now(), $7, now())`,
			e.ID, p.name, p.email, p.org, p.town, p.answer, []byte{byte(i + 10)})
	}
	xlsx := filepath.Join(t.TempDir(), "teilnehmende.xlsx")
	f, err := os.Create(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if err := export.WriteXLSX(context.Background(), pool, f, e, export.Options{Statuses: []string{"confirmed"}, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// Calc renders the sheet as it prints it; pdftoppm turns the page into a picture.
	tmp := t.TempDir()
	for _, args := range [][]string{
		{"soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, xlsx},
		{"pdftoppm", "-png", "-r", "150", "-x", "100", "-y", "120", "-W", "1560", "-H", "130", "-singlefile", filepath.Join(tmp, "teilnehmende.pdf"), filepath.Join(dir, "attendees-xlsx")},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "HOME="+tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s (apt-get install libreoffice-calc poppler-utils): %v\n%s", args[0], err, out)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
