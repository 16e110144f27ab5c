package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/audit"
	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/panel"
)

// newEventForm is the create form as a person fills it: every field of the event.
func newEventForm() url.Values {
	return url.Values{
		"title": {"Digitale Kommune: Daten teilen"}, "subtitle": {"Websession mit Praxisbeispielen"},
		"description": {"Erster Absatz.\r\n\r\nZweiter Absatz."}, "hosts": {"ÖFIT\r\nKGSt\r\n"},
		"language": {"de"}, "slug": {""}, "timezone": {"Europe/Berlin"},
		"starts_at_date": {"2027-03-04"}, "starts_at_time": {"17:00"}, "ends_at_date": {""}, "ends_at_time": {"18:30"},
		"location": {"Online (Websession)"}, "online_url": {"https://konferenz.example/raum"},
		"capacity": {"80"}, "waitlist": {"on"}, "double_opt_in": {"on"},
		"registration_opens_at_date": {"2027-02-01"}, "registration_opens_at_time": {"09:00"},
		"registration_closes_at_date": {"2027-03-03"}, "registration_closes_at_time": {"12:00"},
		"reminder_offsets": {"2 Tage, 30 min"}, "organizer_name": {"ÖFIT"}, "organizer_email": {"veranstaltungen@oeffentliche-it.example"},
	}
}

// An organizer creates an event with the form: bad input shows every problem in German next to
// its field and keeps what was typed; good input makes a draft they organize, every field as typed,
// and leads to its dashboard. Someone who may not create events gets neither the form nor the draft.
func TestCreateEventPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	organizerAccount(t, h.pool, "orga@example.org")
	eventUser(t, h.pool, 0, "mitglied@example.org", "")
	session := h.login("orga@example.org", testPassword)

	page := body(h.getPage("/admin/events/new", session))
	shown := formValues(t, page, "/admin/events/new")
	if shown.Get("timezone") != "Europe/Berlin" || shown.Get("organizer_email") != "orga@example.org" ||
		shown.Get("reminder_offsets") != "24h, 1h" || shown.Get("waitlist") != "on" || shown.Get("moderation") != "on" {
		t.Errorf("the new form's defaults: %v", shown)
	}

	bad := newEventForm()
	bad.Set("title", " ")
	bad.Set("ends_at_time", "16:00")
	bad.Set("capacity", "achtzig")
	bad.Set("reminder_offsets", "24h, morgen")
	bad.Set("organizer_email", "ÖFIT <a@example.org>")
	bad.Set("online_url", "konferenz.example")
	res := h.postPage("/admin/events/new", bad, session)
	page = body(res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", res.StatusCode)
	}
	for id, want := range map[string]string{
		"e-title":            "Bitte füllen Sie dieses Feld aus.",
		"e-ends-at":          "Bitte einen Zeitpunkt nach „Beginn“ angeben.",
		"e-capacity":         "Bitte eine ganze Zahl angeben, oder leer lassen für unbegrenzt.",
		"e-reminder-offsets": "Eintrag 2: „morgen“ ist keine Zeitspanne wie 24h, 1h30m oder 2 Tage.",
		"e-organizer-email":  "Bitte eine E-Mail-Adresse wie veranstaltung@example.org angeben, ohne Namen davor.",
		"e-online-url":       "Bitte eine vollständige Adresse angeben, die mit https:// beginnt.",
	} {
		if got := fieldError(page, id); got != want {
			t.Errorf("next to %s: %q, want %q", id, got, want)
		}
	}
	kept := formValues(t, page, "/admin/events/new")
	for _, name := range []string{"subtitle", "capacity", "reminder_offsets", "organizer_email", "description", "starts_at_date"} {
		if kept.Get(name) != bad.Get(name) {
			t.Errorf("%s became %q, typed %q", name, kept.Get(name), bad.Get(name))
		}
	}
	if !strings.Contains(page, `href="#e-ends-at-date"`) || !strings.Contains(page, `id="fehler"`) {
		t.Error("the summary does not link the fields")
	}
	var count int
	h.pool.Get(&count, `SELECT count(*) FROM events`)
	if count != 0 {
		t.Fatalf("a bad form stored %d events", count)
	}

	res = h.postPage("/admin/events/new", newEventForm(), session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/events/digitale-kommune-daten-teilen?done=event.created" {
		t.Fatalf("create: %d %s %s", res.StatusCode, res.Header.Get("Location"), body(res))
	}
	e, err := event.BySlug(context.Background(), h.pool, "digitale-kommune-daten-teilen")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := time.Date(2027, 3, 4, 17, 0, 0, 0, berlin)
	if e.Status != event.StatusDraft || !e.StartsAt.Equal(want) || !e.EndsAt.Equal(want.Add(90*time.Minute)) ||
		e.Subtitle != "Websession mit Praxisbeispielen" || e.Description != "Erster Absatz.\n\nZweiter Absatz." ||
		!slices.Equal(e.Hosts, []string{"ÖFIT", "KGSt"}) || *e.Capacity != 80 || !e.Waitlist || !e.DoubleOptIn || e.Moderation ||
		!e.RegistrationOpensAt.Equal(time.Date(2027, 2, 1, 9, 0, 0, 0, berlin)) ||
		!e.RegistrationClosesAt.Equal(time.Date(2027, 3, 3, 12, 0, 0, 0, berlin)) ||
		!slices.Equal(e.ReminderOffsets, event.Offsets{48 * time.Hour, 30 * time.Minute}) ||
		e.OnlineURL != "https://konferenz.example/raum" || e.Location != "Online (Websession)" ||
		e.OrganizerName != "ÖFIT" || e.OrganizerEmail != "veranstaltungen@oeffentliche-it.example" || e.Language != "de" {
		t.Errorf("the stored event: %+v", e)
	}
	dashboard := body(h.getPage("/admin/events/"+e.Slug+"?done=event.created", session))
	if !strings.Contains(dashboard, "Der Entwurf ist angelegt.") || !strings.Contains(dashboard, "Veranstaltung angelegt") {
		t.Error("the creator does not land on the draft's dashboard with its log")
	}

	// The same slug again is named next to the slug field.
	again := newEventForm()
	again.Set("slug", e.Slug)
	res = h.postPage("/admin/events/new", again, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(fieldError(page, "e-slug"), "hat schon eine andere Veranstaltung") {
		t.Errorf("a taken slug: %d %q", res.StatusCode, fieldError(page, "e-slug"))
	}

	member := h.login("mitglied@example.org", testPassword)
	if res := h.getPage("/admin/events/new", member); res.StatusCode != http.StatusForbidden {
		t.Errorf("the form for a member: %d", res.StatusCode)
	}
	if res := h.postPage("/admin/events/new", newEventForm(), member); res.StatusCode != http.StatusForbidden {
		t.Errorf("creating as a member: %d", res.StatusCode)
	}
}

// The edit page changes every field, keeps the times of the event's zone, and refuses to save a
// form filled from a version that someone else has changed since, keeping what was typed.
func TestEditEventPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	session := h.login("orga@example.org", testPassword)
	edit := "/admin/events/" + e.Slug + "/edit"

	form := formValues(t, body(h.getPage(edit, session)), edit)
	start := e.StartsAt.In(e.Zone())
	if form.Get("starts_at_date") != start.Format("2006-01-02") || form.Get("starts_at_time") != "17:00" ||
		form.Get("title") != e.Title || form.Get("capacity") != "100" || form.Get("hosts") != "ÖFIT\nKGSt" ||
		form.Get("online_url") != e.OnlineURL || form.Get("reminder_offsets") != "24h, 1h" || form.Get("registration_closes_at_date") != "" {
		t.Fatalf("the edit form shows %v", form)
	}
	stale := url.Values{}
	for k, v := range form {
		stale[k] = slices.Clone(v)
	}
	form.Set("title", "Digitale Kommune: Vom Typ zur Tat (neu)")
	form.Set("timezone", "Europe/Vienna")
	form.Set("starts_at_time", "16:00")
	form.Set("ends_at_time", "18:00")
	form.Set("capacity", "")
	form.Set("hosts", "KGSt")
	form.Set("slug", "vom-typ-zur-tat")
	form.Del("waitlist")
	form.Set("moderation", "on")
	form.Set("language", "en")
	form.Set("reminder_offsets", "3h")
	res := h.postPage(edit, form, session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/events/vom-typ-zur-tat?done=event.updated" {
		t.Fatalf("save: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	after, _ := event.BySlug(ctx, h.pool, "vom-typ-zur-tat")
	vienna, _ := time.LoadLocation("Europe/Vienna")
	if after.Title != "Digitale Kommune: Vom Typ zur Tat (neu)" || after.Timezone != "Europe/Vienna" ||
		!after.StartsAt.Equal(time.Date(start.Year(), start.Month(), start.Day(), 16, 0, 0, 0, vienna)) ||
		after.Capacity != nil || !slices.Equal(after.Hosts, []string{"KGSt"}) || after.Waitlist || !after.Moderation ||
		after.Language != "en" || !slices.Equal(after.ReminderOffsets, event.Offsets{3 * time.Hour}) ||
		after.Revision != e.Revision+1 || !after.RegistrationClosesAt.Equal(after.StartsAt) {
		t.Errorf("after saving: %+v", after)
	}

	// The first form again, filled from the version before the change: refused, typed kept.
	stale.Set("subtitle", "Ein Untertitel, den niemand verlieren soll")
	res = h.postPage("/admin/events/vom-typ-zur-tat/edit", stale, session)
	page := body(res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "inzwischen von jemand anderem geändert") ||
		formValues(t, page, "/admin/events/vom-typ-zur-tat/edit").Get("subtitle") != "Ein Untertitel, den niemand verlieren soll" {
		t.Errorf("a stale form: %d", res.StatusCode)
	}
	if now, _ := event.BySlug(ctx, h.pool, "vom-typ-zur-tat"); now.Version != after.Version {
		t.Error("the stale form changed the event")
	}
}

// A past websession is copied to a new date from its dashboard: a draft with its questions, panel
// and agenda, every time moved by as much as the start, without registrations, audience questions
// or polls, organized by whoever copied it and logged.
func TestDuplicateEventPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	original, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	organizerAccount(t, h.pool, "orga@example.org")
	orga, _ := auth.UserByEmail(ctx, h.pool, "orga@example.org")
	auth.SetEventRole(ctx, h.pool, original.ID, orga.ID, auth.EventOrganizer)
	eventUser(t, h.pool, original.ID, "mitorga@example.org", auth.EventOrganizer) // organizes it, may not create events
	registerAt(t, h, demo.WebsessionSlug, "erika@pattensen.example", original.StartsAt.AddDate(0, 0, -3))
	session := h.login("orga@example.org", testPassword)
	path := "/admin/events/" + original.Slug + "/duplicate"

	if !strings.Contains(body(h.getPage("/admin/events/"+original.Slug, session)), `href="`+path+`"`) {
		t.Error("the dashboard offers no copy")
	}
	form := formValues(t, body(h.getPage(path, session)), path)
	if form.Get("title") != original.Title || form.Get("starts_at_time") != "17:00" || form.Get("starts_at_date") != "" {
		t.Errorf("the copy form proposes %v", form)
	}
	res := h.postPage(path, form, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || fieldError(page, "d-starts-at") != "Bitte ein Datum und eine Uhrzeit angeben." {
		t.Errorf("without a date: %d %q", res.StatusCode, fieldError(page, "d-starts-at"))
	}
	form.Set("title", "Digitale Kommune: Eine Typfrage? (Wiederholung)")
	form.Set("starts_at_date", "2027-06-10") // summer time, the original was in winter time
	res = h.postPage(path, form, session)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("copy: %d %s", res.StatusCode, body(res))
	}
	slug := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/events/"), "?done=event.duplicated")
	copied, err := event.BySlug(ctx, h.pool, slug)
	if err != nil {
		t.Fatalf("the copy %q: %v", slug, err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	shift := time.Date(2027, 6, 10, 17, 0, 0, 0, berlin).Sub(original.StartsAt)
	if copied.Status != event.StatusDraft || copied.Title != "Digitale Kommune: Eine Typfrage? (Wiederholung)" ||
		!copied.StartsAt.Equal(original.StartsAt.Add(shift)) || !copied.EndsAt.Equal(original.EndsAt.Add(shift)) ||
		copied.Description != original.Description || len(copied.Questions) != 1 || copied.Questions[0].Key != "kommunentyp" ||
		!slices.Equal(copied.Questions[0].Options, original.Questions[0].Options) || copied.Revision != 0 {
		t.Errorf("the copy: %+v", copied)
	}
	before, _ := panel.ProgrammeOf(ctx, h.pool, original.ID)
	after, _ := panel.ProgrammeOf(ctx, h.pool, copied.ID)
	if len(after.Panelists) != 4 || len(after.Agenda) != len(before.Agenda) {
		t.Fatalf("the copy's programme: %d panelists, %d items", len(after.Panelists), len(after.Agenda))
	}
	copies := map[int64]bool{}
	for i, p := range after.Panelists {
		if p.Name != before.Panelists[i].Name || p.Municipality != before.Panelists[i].Municipality || p.Position != before.Panelists[i].Position {
			t.Errorf("panelist %d: %+v", i, p)
		}
		copies[p.ID] = true
	}
	for i, item := range after.Agenda {
		was := before.Agenda[i]
		if item.Title != was.Title || !item.StartsAt.Equal(was.StartsAt.Add(shift)) || !item.EndsAt.Equal(was.EndsAt.Add(shift)) ||
			len(item.PanelistIDs) != len(was.PanelistIDs) {
			t.Errorf("agenda item %d: %+v", i, item)
		}
		for _, id := range item.PanelistIDs {
			if !copies[id] {
				t.Errorf("agenda item %q names panelist %d of the original", item.Title, id)
			}
		}
	}
	if clock := after.Agenda[2].StartsAt.In(berlin).Format("15:04"); clock != "17:25" {
		t.Errorf("the panel discussion of the copy starts at %s, want 17:25 as in the original", clock)
	}
	var registrations, polls int
	h.pool.Get(&registrations, `SELECT count(*) FROM registrations WHERE event_id = $1`, copied.ID)
	h.pool.Get(&polls, `SELECT count(*) FROM polls WHERE event_id = $1`, copied.ID)
	if registrations != 0 || polls != 0 {
		t.Errorf("the copy has %d registrations and %d polls", registrations, polls)
	}
	if ok, _ := auth.Allowed(ctx, h.pool, orga, copied.ID, auth.NeedOrganizer); !ok {
		t.Error("whoever copied it does not organize the copy")
	}
	entries, _ := audit.ForEvent(ctx, h.pool, copied.ID, 10)
	if len(entries) != 1 || entries[0].Action != "event.duplicated" || entries[0].Detail != copied.Slug+" from="+original.Slug {
		t.Errorf("the copy's log: %+v", entries)
	}

	// The same slug again is named next to the slug field, the typed date kept.
	form.Set("slug", copied.Slug)
	res = h.postPage(path, form, session)
	if page := body(res); res.StatusCode != http.StatusConflict || fieldError(page, "d-slug") == "" ||
		formValues(t, page, path).Get("starts_at_date") != "2027-06-10" {
		t.Errorf("a taken slug: %d", res.StatusCode)
	}
	// An organizer of the event who may not create events may not copy it either.
	if res := h.postPage(path, form, h.login("mitorga@example.org", testPassword)); res.StatusCode != http.StatusForbidden {
		t.Errorf("a copy by someone who may not create events: %d", res.StatusCode)
	}
}

// A draft is deleted after a confirmation page, and only a draft; the deletion is logged.
func TestDeleteDraftPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	organizerAccount(t, h.pool, "orga@example.org")
	session := h.login("orga@example.org", testPassword)
	res := h.postPage("/admin/events/new", newEventForm(), session)
	draft := strings.TrimSuffix(res.Header.Get("Location"), "?done=event.created")
	published, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	orga, _ := auth.UserByEmail(ctx, h.pool, "orga@example.org")
	auth.SetEventRole(ctx, h.pool, published.ID, orga.ID, auth.EventOrganizer)

	if page := body(h.getPage(draft, session)); !strings.Contains(page, `href="`+draft+`/delete"`) {
		t.Error("the draft's dashboard offers no deletion")
	}
	if page := body(h.getPage(draft+"/delete", session)); !strings.Contains(page, "Der Entwurf wird endgültig gelöscht.") {
		t.Error("no confirmation page")
	}
	for _, path := range []string{"/delete"} {
		if res := h.getPage("/admin/events/"+published.Slug+path, session); res.StatusCode != http.StatusConflict {
			t.Errorf("the deletion page of a published event: %d", res.StatusCode)
		}
		if res := h.postPage("/admin/events/"+published.Slug+path, nil, session); res.StatusCode != http.StatusConflict {
			t.Errorf("deleting a published event: %d", res.StatusCode)
		}
	}
	res = h.postPage(draft+"/delete", nil, session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin?done=event.deleted" {
		t.Fatalf("delete: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := event.BySlug(ctx, h.pool, "digitale-kommune-daten-teilen"); err == nil {
		t.Error("the draft is still there")
	}
	if !strings.Contains(body(h.getPage("/admin?done=event.deleted", session)), "Der Entwurf ist gelöscht.") {
		t.Error("the list does not say the draft is deleted")
	}
	var logged int
	h.pool.Get(&logged, `SELECT count(*) FROM audit_log WHERE action = 'event.deleted' AND event_id IS NULL AND detail = 'digitale-kommune-daten-teilen' AND user_email = 'orga@example.org'`)
	if logged != 1 {
		t.Error("the deletion is not in the log")
	}
}

// Before publishing, the organizers see the page as attendees will, under a preview banner with
// the registration form that cannot be sent yet; everyone else gets 404 until it is published.
func TestPreviewDraft(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	organizerAccount(t, h.pool, "orga@example.org")
	session := h.login("orga@example.org", testPassword)
	res := h.postPage("/admin/events/new", newEventForm(), session)
	slug := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/events/"), "?done=event.created")
	e, _ := event.BySlug(ctx, h.pool, slug)
	eventUser(t, h.pool, e.ID, "moderation@example.org", auth.EventModerator)
	other, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, other.ID, "fremd@example.org", auth.EventOrganizer)

	preview := body(h.getPage("/events/"+slug, session))
	for _, want := range []string{"Vorschau – Entwurf", "Digitale Kommune: Daten teilen", "Verbindlich anmelden</span>", `class="kern-btn kern-btn--primary" disabled`, "Vorschau des Anmeldeformulars"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	for name, cookies := range map[string][]*http.Cookie{
		"anonymous":                      nil,
		"a moderator of the draft":       {h.login("moderation@example.org", testPassword)},
		"the organizer of another event": {h.login("fremd@example.org", testPassword)},
	} {
		if res := h.getPage("/events/"+slug, cookies...); res.StatusCode != http.StatusNotFound {
			t.Errorf("the draft for %s: %d", name, res.StatusCode)
		}
	}
	if res := h.postPage("/admin/events/"+slug+"/publish", nil, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	public := body(h.getPage("/events/" + slug))
	if !strings.Contains(public, "Digitale Kommune: Daten teilen") || strings.Contains(public, "Vorschau") {
		t.Error("the published page is not public, or still a preview")
	}
}

// A published event is cancelled from its own page, after ticking the confirmation, with a message
// that reaches every registered person in the cancellation mail and stays on the event page. The
// API takes the same message.
func TestCancelEventWithMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	smtp := mailtest.Start(t)
	w := h.mailWorker(smtp)
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)
	sendAll(t, w)
	before := len(smtp.Messages())
	session := h.login("orga@example.org", testPassword)
	path := "/admin/events/" + e.Slug + "/cancel"
	const message = "Die Referentin ist erkrankt.\nEinen neuen Termin nennen wir Ihnen bald."

	if page := body(h.getPage(path, session)); !strings.Contains(page, "1 Angemeldete") {
		t.Error("the cancel page does not say whom it tells")
	}
	res := h.postPage(path, url.Values{"message": {message}}, session)
	page := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldError(page, "c-confirm"), "Bitte bestätigen Sie die Absage") ||
		formValues(t, page, path).Get("message") != message {
		t.Errorf("without the tick: %d %q", res.StatusCode, fieldError(page, "c-confirm"))
	}
	res = h.postPage(path, url.Values{"message": {strings.Repeat("x", 2001)}, "confirm": {"on"}}, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || fieldError(page, "c-message") != "Bitte höchstens 2000 Zeichen." {
		t.Errorf("a message too long: %d %q", res.StatusCode, fieldError(page, "c-message"))
	}
	if now, _ := event.BySlug(ctx, h.pool, e.Slug); now.Status != event.StatusPublished {
		t.Fatal("a refused cancellation cancelled the event")
	}
	res = h.postPage(path, url.Values{"message": {message}, "confirm": {"on"}}, session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/events/"+e.Slug+"?done=event.cancelled" {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	sendAll(t, w)
	msgs := smtp.Messages()
	if len(msgs) != before+1 {
		t.Fatalf("%d mails after cancelling, want 1", len(msgs)-before)
	}
	text := strings.ReplaceAll(plainText(t, msgs[before].Data), "\r\n", "\n")
	if !strings.Contains(text, "Nachricht der Veranstaltenden:\n"+message) || !strings.Contains(text, "abgesagt") {
		t.Errorf("the cancellation mail:\n%s", text)
	}
	if html := decodedMail(t, msgs[before].Data); !strings.Contains(html, `<p style="white-space: pre-line;">`+message+`</p>`) {
		t.Error("the HTML part lacks the message")
	}
	if public := body(h.getPage("/events/" + e.Slug)); !strings.Contains(public, "Die Referentin ist erkrankt.") {
		t.Error("the event page does not show the message")
	}

	_, token := h.user("admin@example.org", auth.RoleAdmin)
	rec := h.do("POST", "/api/v1/events/"+demo.WebsessionSlug+"/cancel", token, `{"reason": "x"}`)
	expectProblem(t, rec, http.StatusUnprocessableEntity)
	rec = h.do("POST", "/api/v1/events/"+demo.WebsessionSlug+"/cancel", token, `{"message": "Wir holen sie nach."}`)
	if got := decode[struct {
		Status        string `json:"status"`
		CancelMessage string `json:"cancel_message"`
	}](t, rec); rec.Code != http.StatusOK || got.Status != "cancelled" || got.CancelMessage != "Wir holen sie nach." {
		t.Errorf("cancel through the API: %d %+v", rec.Code, got)
	}
}

// decodedMail is a received message with its quoted-printable parts decoded.
func decodedMail(t *testing.T, data []byte) string {
	t.Helper()
	decoded, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(decoded), "\r\n", "\n")
}
