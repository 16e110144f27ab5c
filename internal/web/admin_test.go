package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// An organizer runs the event from /admin: the list with counts, the dashboard with the chart,
// the Kommunentyp distribution, the registrations (searchable, escaped), the downloads, and the
// forms to move the event, give a role and cancel, each logged.
func TestAdminDashboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	h.user("moderation@example.org", "member")
	registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)
	h.pool.MustExec(`UPDATE registrations SET name = '<i>Erika</i>'`)
	registerAt(t, h, demo.FollowUpSlug, "juergen@wesel.example", h.now)
	session := h.login("orga@example.org", testPassword)
	dash := "/admin/events/" + demo.FollowUpSlug

	if res := h.getPage("/admin"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("admin without login: %d", res.StatusCode)
	}
	list := body(h.getPage("/admin", session))
	if !strings.Contains(list, `href="`+dash+`"`) || strings.Contains(list, demo.WebsessionSlug) {
		t.Errorf("the organizer's list is wrong")
	}
	page := body(h.getPage(dash, session))
	for _, want := range []string{"<svg", "Anmeldungen im Zeitverlauf, insgesamt 2", "Die Optimierer", "&lt;i&gt;Erika&lt;/i&gt;",
		`/api/v1/events/` + demo.FollowUpSlug + `/attendees.xlsx`, `/api/v1/events/` + demo.FollowUpSlug + `/attendees.csv`} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if found := body(h.getPage(dash+"?q=WESEL", session)); !strings.Contains(found, "juergen@wesel.example") || strings.Contains(found, "erika@pattensen.example") {
		t.Error("search by address part does not filter")
	}
	if res := h.getPage("/api/v1/events/"+demo.FollowUpSlug+"/attendees.csv?status=all", session); res.StatusCode != http.StatusOK {
		t.Errorf("download with the session: %d", res.StatusCode)
	}

	moved := e.StartsAt.In(e.Zone()).AddDate(0, 0, 1)
	form := formValues(t, body(h.getPage(dash+"/edit", session)), dash+"/edit")
	form.Set("starts_at_date", moved.Format("2006-01-02"))
	form.Set("ends_at_date", moved.Format("2006-01-02"))
	form.Set("capacity", "0")
	res := h.postPage(dash+"/edit", form, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || fieldError(page, "e-capacity") != "Bitte einen Wert von 1 bis 1000000 angeben." {
		t.Errorf("capacity 0: %d %q", res.StatusCode, fieldError(page, "e-capacity"))
	}
	form.Set("capacity", "120")
	if res := h.postPage(dash+"/edit", form, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d %s", res.StatusCode, body(res))
	}
	after, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	if !after.StartsAt.Equal(e.StartsAt.AddDate(0, 0, 1)) || after.Revision != e.Revision+1 || *after.Capacity != 120 {
		t.Errorf("after the edit: %s revision %d", after.StartsAt, after.Revision)
	}
	if res := h.postPage(dash+"/members", url.Values{"email": {"moderation@example.org"}, "role": {"moderator"}}, session); res.StatusCode != http.StatusSeeOther {
		t.Errorf("give role: %d", res.StatusCode)
	}
	if res := h.postPage(dash+"/cancel", nil, session); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("cancel without confirmation: %d", res.StatusCode)
	}
	page = body(h.getPage(dash, session))
	for _, want := range []string{"Veranstaltung geändert", "Rolle vergeben", "Teilnehmerliste heruntergeladen", "moderation@example.org"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard's log lacks %q", want)
		}
	}

	// Someone who organizes another event gets no dashboard of this one.
	eventUser(t, h.pool, 0, "fremd@example.org", "")
	if res := h.getPage(dash, h.login("fremd@example.org", testPassword)); res.StatusCode != http.StatusForbidden {
		t.Errorf("a stranger's dashboard: %d", res.StatusCode)
	}
}

// A moderator's /admin leads to where they may go: the moderation and presenter pages of the
// events they moderate, not the dashboard that would answer "Kein Zugriff".
func TestAdminLeadsModeratorsToModeration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "moderation@example.org", auth.EventModerator)
	list := body(h.getPage("/admin", h.login("moderation@example.org", testPassword)))
	for _, want := range []string{"Zu moderieren", e.Title, `href="/events/` + e.Slug + `/moderate"`, `href="/events/` + e.Slug + `/present"`} {
		if !strings.Contains(list, want) {
			t.Errorf("the moderator's /admin lacks %q", want)
		}
	}
	for _, unwanted := range []string{`href="/admin/events/` + e.Slug + `"`, "Sie organisieren noch keine Veranstaltung", demo.WebsessionSlug} {
		if strings.Contains(list, unwanted) {
			t.Errorf("the moderator's /admin shows %q", unwanted)
		}
	}
	if res := h.getPage("/events/"+e.Slug+"/moderate", h.login("moderation@example.org", testPassword)); res.StatusCode != http.StatusOK {
		t.Errorf("the moderation page for its moderator: %d", res.StatusCode)
	}
}

// The dashboard's own forms (panel, agenda, roles) keep what was typed when they are refused and
// name each field's problem in German next to the field.
func TestDashboardFormsSayProblemsInPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	session := h.login("orga@example.org", testPassword)
	dash := "/admin/events/" + demo.FollowUpSlug

	res := h.postPage(dash+"/panelists", url.Values{"name": {" "}, "role": {"Amtsleitung Digitales"}, "municipality": {"Pattensen"}}, session)
	page := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="panelist-name-error"`) ||
		!strings.Contains(page, `value="Amtsleitung Digitales"`) || !strings.Contains(page, `value="Pattensen"`) {
		t.Errorf("a panelist without a name: %d, the problem not at the field or the typing lost", res.StatusCode)
	}
	res = h.postPage(dash+"/agenda", url.Values{"title": {"Fragen aus dem Publikum"}, "kind": {"qa"},
		"starts_at": {e.StartsAt.In(e.Zone()).Format("2006-01-02T15:04")}, "ends_at": {e.StartsAt.In(e.Zone()).Add(-time.Hour).Format("2006-01-02T15:04")}}, session)
	page = body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="agenda-ends-error"`) ||
		!strings.Contains(page, `value="Fragen aus dem Publikum"`) || !strings.Contains(page, `<option value="qa" selected>`) {
		t.Errorf("an agenda item ending before it starts: %d, the problem not at the field or the typing lost", res.StatusCode)
	}
	res = h.postPage(dash+"/members", url.Values{"email": {"kein at"}, "role": {"organizer"}}, session)
	page = body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="member-email-error"`) ||
		!strings.Contains(page, `value="kein at"`) || !strings.Contains(page, `<option value="organizer" selected>`) {
		t.Errorf("a role for a malformed address: %d, the problem not at the field or the typing lost", res.StatusCode)
	}
	if strings.Contains(page, `id="panelist-name-error"`) {
		t.Error("the problem of one form shows at another")
	}
}
