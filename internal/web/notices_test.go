package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/notice"
)

// Writing to attendees without JavaScript: the form names each problem next to its field and
// keeps what was typed; the preview shows the mail as each language's recipients will read it
// and how many get it; sending queues one mail per person, audited with group and count, which
// the worker delivers in each person's language; the dashboard and the page list the message
// with the state of its mails.
func TestMessagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	seated(t, h.pool, e,
		guest{"Erika Mustermann", "erika@pattensen.example", "Stadt Pattensen", "de"},
		guest{"Jürgen Weiß", "juergen@wesel.example", "Kreis Wesel", "de"},
		guest{"Hannah Groß", "hannah@freiburg.example", "", "en"})
	session := h.login("orga@example.org", testPassword)
	base := "/admin/events/" + demo.FollowUpSlug + "/message"

	form := body(h.getPage(base, session))
	for _, want := range []string{"Nachricht an Teilnehmende", "Alle mit Platz (3)", "Alle auf der Warteliste (0)", "Alle, die teilgenommen haben (0)", "Noch keine Nachricht gesendet."} {
		if !strings.Contains(form, want) {
			t.Errorf("the form lacks %q", want)
		}
	}

	text := "Bitte testen Sie vorab Ton und Kamera.\r\n\r\n<b>Der Raum öffnet 15 Minuten früher.</b>"
	res := h.postPage(base+"/preview", url.Values{"group": {"confirmed"}, "subject": {""}, "text": {text}}, session)
	page := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="betreff-error"`) || !strings.Contains(page, "Bitte füllen Sie dieses Feld aus.") {
		t.Errorf("no subject: %d, the problem is not named at the field", res.StatusCode)
	}
	if !strings.Contains(page, html.EscapeString("<b>Der Raum öffnet 15 Minuten früher.</b>")) {
		t.Errorf("the typed text is not kept")
	}
	res = h.postPage(base+"/preview", url.Values{"group": {"confirmed"}, "subject": {strings.Repeat("x", notice.MaxSubject+1)}, "text": {text}}, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, fmt.Sprintf("Bitte höchstens %d Zeichen.", notice.MaxSubject)) {
		t.Errorf("a subject too long: %d", res.StatusCode)
	}

	res = h.postPage(base+"/preview", url.Values{"group": {"confirmed"}, "subject": {"Technik-Check"}, "text": {text}}, session)
	preview := body(res)
	for _, want := range []string{"Die Nachricht geht an 3 Personen.", "Auf Deutsch: 2.", "Auf Englisch: 1.",
		"Technik-Check – Digitale Kommune: Vom Typ zur Tat", "Guten Tag Erika Mustermann,", "Hello Jane Doe,",
		"schreiben Ihnen die Veranstalter:", "the organisers write to you", html.EscapeString("<b>Der Raum öffnet 15 Minuten früher.</b>"),
		"Jetzt an 3 Personen senden"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	var queued int
	h.pool.Get(&queued, `SELECT count(*) FROM outbox WHERE kind = 'notice'`)
	if queued != 0 {
		t.Fatalf("the preview queued %d mails", queued)
	}

	res = h.postPage(base, url.Values{"group": {"confirmed"}, "subject": {"Technik-Check"}, "text": {text}}, session)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d %s", res.StatusCode, body(res))
	}
	sent := body(h.getPage(res.Header.Get("Location"), session))
	if !strings.Contains(sent, "Ihre Nachricht „Technik-Check“ ist unterwegs, Empfängerinnen und Empfänger: 3.") {
		t.Errorf("the page does not confirm the sending")
	}
	if got := auditDetails(t, h.pool, e.ID, "message.sent"); len(got) != 1 || !strings.HasSuffix(got[0], "group=confirmed recipients=3") {
		t.Errorf("the audit log: %q", got)
	}

	smtp := mailtest.Start(t)
	sendAll(t, h.mailWorker(smtp))
	greetings := map[string]string{"erika@pattensen.example": "Guten Tag Erika Mustermann,",
		"juergen@wesel.example": "Guten Tag Jürgen Weiß,", "hannah@freiburg.example": "Hello Hannah Groß,"}
	for _, m := range smtp.Messages() {
		text := plainText(t, m.Data)
		if !strings.Contains(text, "Der Raum öffnet 15 Minuten früher.") {
			continue
		}
		if !strings.Contains(text, greetings[m.To[0]]) {
			t.Errorf("the message to %s:\n%s", m.To[0], text)
		}
		delete(greetings, m.To[0])
	}
	if len(greetings) > 0 {
		t.Errorf("no message reached %v", greetings)
	}
	for _, where := range []string{"/admin/events/" + demo.FollowUpSlug, base} {
		page := body(h.getPage(where, session))
		if !strings.Contains(page, "Technik-Check") || !strings.Contains(page, "versandt: 3 · wartend: 0 · fehlgeschlagen: 0") {
			t.Errorf("%s does not list the message with its delivery", where)
		}
	}
}

// The text's limit is in characters: the longest message, in characters that take four bytes
// each, fits through the form; one more is refused next to the field. The sixth message within
// a day is refused in German, and nothing is sent.
func TestMessageLimitsOnThePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	seated(t, h.pool, e, guest{"Erika Mustermann", "erika@pattensen.example", "", "de"})
	session := h.login("orga@example.org", testPassword)
	base := "/admin/events/" + demo.FollowUpSlug + "/message"

	longest := strings.Repeat("🙂", notice.MaxText)
	if res := h.postPage(base+"/preview", url.Values{"group": {"confirmed"}, "subject": {"Emoji"}, "text": {longest}}, session); res.StatusCode != http.StatusOK {
		t.Errorf("the longest text: %d", res.StatusCode)
	}
	res := h.postPage(base+"/preview", url.Values{"group": {"confirmed"}, "subject": {"Emoji"}, "text": {longest + "🙂"}}, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="nachricht-error"`) {
		t.Errorf("one character more: %d", res.StatusCode)
	}
	for i := range notice.MaxPerDay {
		if res := h.postPage(base, url.Values{"group": {"confirmed"}, "subject": {fmt.Sprintf("Nachricht %d", i)}, "text": {"Text"}}, session); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("message %d: %d", i, res.StatusCode)
		}
	}
	res = h.postPage(base, url.Values{"group": {"confirmed"}, "subject": {"Eine zu viel"}, "text": {"Text"}}, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, fmt.Sprintf("höchstens %d Nachrichten in 24 Stunden", notice.MaxPerDay)) {
		t.Errorf("the sixth message: %d", res.StatusCode)
	}
	res = h.postPage(base, url.Values{"group": {"attended"}, "subject": {"Danke"}, "text": {"Text"}}, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "höchstens") {
		t.Errorf("the limit comes before the empty group: %d", res.StatusCode)
	}
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM notices`)
	if n != notice.MaxPerDay {
		t.Errorf("%d messages stored, want %d", n, notice.MaxPerDay)
	}
}

// The API previews (count, languages, the mails), sends (202) and lists messages with the state
// of their mails; bad input is 422 with the field, an empty group and the daily limit are 409.
func TestMessagesAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
	orga, token := h.user("orga@example.org", "member")
	auth.SetEventRole(context.Background(), h.pool, e.ID, orga.ID, auth.EventOrganizer)
	seated(t, h.pool, e, guest{"Erika Mustermann", "erika@pattensen.example", "", "de"}, guest{"Hannah Groß", "hannah@freiburg.example", "", "en"})
	path := "/api/v1/events/" + demo.FollowUpSlug + "/messages"
	valid := `{"group": "confirmed", "subject": "Neuer Link", "text": "Der Link hat sich geändert."}`

	rec := h.do("POST", path+"/preview", token, valid)
	type preview struct {
		Recipients int
		Languages  map[string]int
		Previews   []struct{ Language, Subject, Text string }
	}
	p := decode[preview](t, rec)
	if rec.Code != http.StatusOK || p.Recipients != 2 || p.Languages["de"] != 1 || p.Languages["en"] != 1 || len(p.Previews) != 2 ||
		!strings.Contains(p.Previews[1].Text, "Hello Jane Doe,") || p.Previews[0].Subject != "Neuer Link – Digitale Kommune: Vom Typ zur Tat" {
		t.Errorf("preview: %d %s", rec.Code, rec.Body)
	}
	for body, field := range map[string]string{
		`{"group": "everyone", "subject": "a", "text": "b"}`:     "group",
		`{"group": "confirmed", "subject": "", "text": "b"}`:     "subject",
		`{"group": "confirmed", "subject": "a\nb", "text": "b"}`: "subject",
		`{"group": "confirmed", "subject": "a", "text": ""}`:     "text",
		`{"group": "confirmed", "subject": "a", "bcc": "x"}`:     "bcc",
	} {
		if p := expectProblem(t, h.do("POST", path, token, body), http.StatusUnprocessableEntity); !p.names(field) {
			t.Errorf("%s: fields %v, want %s", body, p.fields(), field)
		}
	}
	if p := expectProblem(t, h.do("POST", path, token, `{"group": "waitlisted", "subject": "a", "text": "b"}`), http.StatusConflict); !p.names("group") {
		t.Errorf("an empty group: %+v", p)
	}
	rec = h.do("POST", path, token, valid)
	if sent := decode[notice.Notice](t, rec); rec.Code != http.StatusAccepted || sent.Recipients != 2 || sent.Group != "confirmed" {
		t.Fatalf("send: %d %s", rec.Code, rec.Body)
	}
	list := decode[struct {
		Items []struct {
			Subject    string
			Recipients int
			Delivery   map[string]int
		}
	}](t, h.do("GET", path, token, ""))
	if len(list.Items) != 1 || list.Items[0].Recipients != 2 || list.Items[0].Delivery["queued"] != 2 {
		t.Errorf("the list: %+v", list)
	}
	for range notice.MaxPerDay - 1 {
		if rec := h.do("POST", path, token, valid); rec.Code != http.StatusAccepted {
			t.Fatalf("send: %d %s", rec.Code, rec.Body)
		}
	}
	expectProblem(t, h.do("POST", path, token, valid), http.StatusConflict)
	h.now = h.now.Add(notice.Window)
	if rec := h.do("POST", path, token, valid); rec.Code != http.StatusAccepted {
		t.Errorf("a day later: %d %s", rec.Code, rec.Body)
	}
}

// A message to the people with a seat is not sent to someone who cancelled before it went out.
func TestMessageNotSentAfterCancelling(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	ids := seated(t, h.pool, e, guest{"Erika Mustermann", "erika@pattensen.example", "", "de"}, guest{"Jürgen Weiß", "juergen@wesel.example", "", "de"})
	if _, err := notice.Send(ctx, h.pool, e, notice.Input{Group: "confirmed", Subject: "Hinweis", Text: "Bis bald."}, h.now); err != nil {
		t.Fatal(err)
	}
	h.pool.MustExec(`UPDATE registrations SET status = 'cancelled' WHERE id = $1`, ids[1])
	smtp := mailtest.Start(t)
	mailtest.Drain(t, smtp.Worker(t, h.pool, "http://podium.test", auth.ManageKey(harnessSecret)))
	var states []string
	h.pool.Select(&states, `SELECT status FROM outbox WHERE kind = 'notice' ORDER BY registration_id`)
	if strings.Join(states, ",") != "sent,dropped" {
		t.Errorf("the message's mails: %v, want sent to Erika and dropped for Jürgen", states)
	}
}
