package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
)

// Only organizers and admins create events, with a token that is valid and not revoked.
func TestCreateEventNeedsAValidToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, memberToken := h.user("member@example.org", auth.RoleMember)
	orga, orgaToken := h.user("orga@example.org", auth.RoleOrganizer)

	rec := h.do("POST", "/api/v1/events", "", validEvent)
	expectProblem(t, rec, http.StatusUnauthorized)
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	expectProblem(t, h.do("POST", "/api/v1/events", "pdm_wrong", validEvent), http.StatusUnauthorized)
	expectProblem(t, h.do("POST", "/api/v1/events", memberToken, validEvent), http.StatusForbidden)

	rec = h.do("POST", "/api/v1/events", orgaToken, validEvent)
	if rec.Code != http.StatusCreated {
		t.Fatalf("organizer create: %d %s", rec.Code, rec.Body)
	}
	e := decode[eventBody](t, rec)
	if e.Slug != "digitale-verwaltung-im-gespraech" {
		t.Errorf("derived slug %q", e.Slug)
	}
	if rec.Header().Get("Location") != "/api/v1/events/"+e.Slug {
		t.Errorf("Location %q", rec.Header().Get("Location"))
	}
	if !e.StartsAt.Equal(time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC)) || e.Timezone != "Europe/Berlin" {
		t.Errorf("start %v %s", e.StartsAt, e.Timezone)
	}
	if e.OrganizerEmail != orga.Email {
		t.Errorf("organizer of record %q, want the creator", e.OrganizerEmail)
	}
	if !e.RegistrationClosesAt.Equal(e.StartsAt) || !slices.Equal(e.ReminderOffsets, []string{"24h", "1h"}) {
		t.Errorf("defaults: closes %v, reminders %v", e.RegistrationClosesAt, e.ReminderOffsets)
	}

	// The same title again gets the next free slug.
	if e2 := decode[eventBody](t, h.do("POST", "/api/v1/events", orgaToken, validEvent)); e2.Slug != e.Slug+"-2" {
		t.Errorf("second slug %q", e2.Slug)
	}

	// A revoked token stops working at once.
	var tokenID int64
	h.pool.Get(&tokenID, `SELECT id FROM api_tokens WHERE user_id = $1`, orga.ID)
	h.pool.MustExec(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, tokenID)
	expectProblem(t, h.do("POST", "/api/v1/events", orgaToken, validEvent), http.StatusUnauthorized)
}

// Bad input is answered with the fields at fault, and nothing is stored.
func TestCreateEventRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)

	p := expectProblem(t, h.do("POST", "/api/v1/events", token, strings.Replace(validEvent, "Europe/Berlin", "Europe/Bonn", 1)), http.StatusUnprocessableEntity)
	if !p.names("timezone") || len(p.Errors) != 1 {
		t.Errorf("wrong time zone: fields %v", p.fields())
	}

	p = expectProblem(t, h.do("POST", "/api/v1/events", token, `{"title": "", "capacity": "viele", "ends_at": "gestern", "timezone": "Mars/Base", "colour": "blue"}`), http.StatusUnprocessableEntity)
	for _, f := range []string{"title", "capacity", "ends_at", "timezone", "colour", "starts_at"} {
		if !p.names(f) {
			t.Errorf("problem does not name %s: %v", f, p.fields())
		}
	}

	slugTaken := strings.Replace(validEvent, `"title"`, `"slug": "fest", "title"`, 1)
	if rec := h.do("POST", "/api/v1/events", token, slugTaken); rec.Code != http.StatusCreated {
		t.Fatalf("create with slug: %d %s", rec.Code, rec.Body)
	}
	if p := expectProblem(t, h.do("POST", "/api/v1/events", token, slugTaken), http.StatusConflict); !p.names("slug") {
		t.Errorf("taken slug: %v", p.fields())
	}

	expectProblem(t, h.do("POST", "/api/v1/events", token, `{"title": "x",`), http.StatusBadRequest)
	expectProblem(t, h.do("POST", "/api/v1/events", token, `["a list"]`), http.StatusBadRequest)
	huge := fmt.Sprintf(`{"title": "x", "description": %q}`, strings.Repeat("ä", 2<<20))
	expectProblem(t, h.do("POST", "/api/v1/events", token, huge), http.StatusRequestEntityTooLarge)

	var n int
	h.pool.Get(&n, `SELECT count(*) FROM events`)
	if n != 1 {
		t.Errorf("%d events stored, want only the one valid event", n)
	}
}

// Drafts exist only for their organizers and admins; everyone else gets 404.
func TestDraftVisibility(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, orgaToken := h.user("orga@example.org", auth.RoleOrganizer)
	_, otherToken := h.user("other@example.org", auth.RoleOrganizer)
	_, adminToken := h.user("admin@example.org", auth.RoleAdmin)
	draft := strings.Replace(validEvent, `"published"`, `"draft"`, 1)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", orgaToken, draft))
	path := "/api/v1/events/" + e.Slug

	expectProblem(t, h.do("GET", path, "", ""), http.StatusNotFound)
	expectProblem(t, h.do("GET", path, otherToken, ""), http.StatusNotFound)
	expectProblem(t, h.do("PATCH", path, otherToken, `{"title": "Übernommen"}`), http.StatusNotFound)
	if rec := h.do("GET", "/events/"+e.Slug, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("draft page: %d", rec.Code)
	}
	for _, token := range []string{orgaToken, adminToken} {
		if rec := h.do("GET", path, token, ""); rec.Code != http.StatusOK {
			t.Errorf("draft for its organizer or an admin: %d", rec.Code)
		}
	}
	list := decode[struct{ Items []eventBody }](t, h.do("GET", "/api/v1/events", "", ""))
	if len(list.Items) != 0 {
		t.Errorf("the public list shows a draft: %+v", list.Items)
	}

	if rec := h.do("PATCH", path, orgaToken, `{"status": "published"}`); rec.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do("GET", path, "", ""); rec.Code != http.StatusOK {
		t.Errorf("published event for anyone: %d", rec.Code)
	}
	expectProblem(t, h.do("PATCH", path, "", `{"title": "x"}`), http.StatusUnauthorized)
	expectProblem(t, h.do("PATCH", path, otherToken, `{"title": "x"}`), http.StatusForbidden)
}

// Moving a published event raises its revision (the calendar SEQUENCE); other changes do not,
// and registration that closed at the start follows the start.
func TestPatchEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	path := "/api/v1/events/" + e.Slug

	e = decode[eventBody](t, h.do("PATCH", path, token, `{"title": "Neuer Titel", "capacity": 30}`))
	if e.Title != "Neuer Titel" || e.Capacity == nil || *e.Capacity != 30 || e.Revision != 0 {
		t.Fatalf("after title change: %+v", e)
	}
	if len(e.Hosts) != 2 {
		t.Errorf("fields not sent were changed: hosts %v", e.Hosts)
	}

	e = decode[eventBody](t, h.do("PATCH", path, token, `{"starts_at": "2027-03-05T10:00:00+01:00", "ends_at": "2027-03-05T11:00:00+01:00"}`))
	if e.Revision != 1 || !e.RegistrationClosesAt.Equal(e.StartsAt) {
		t.Fatalf("after moving: revision %d, closes %v, starts %v", e.Revision, e.RegistrationClosesAt, e.StartsAt)
	}
	e = decode[eventBody](t, h.do("PATCH", path, token, `{"online_url": "https://meet.example.org/raum-1"}`))
	if e.Revision != 2 {
		t.Errorf("a new join URL must raise the revision: %d", e.Revision)
	}
	e = decode[eventBody](t, h.do("PATCH", path, token, `{"capacity": null}`))
	if e.Capacity != nil || e.Revision != 2 {
		t.Errorf("capacity null: %v, revision %d", e.Capacity, e.Revision)
	}

	p := expectProblem(t, h.do("PATCH", path, token, `{"ends_at": "2027-03-05T09:00:00+01:00"}`), http.StatusUnprocessableEntity)
	if !p.names("ends_at") {
		t.Errorf("end before start: %v", p.fields())
	}
	if after := decode[eventBody](t, h.do("GET", path, "", "")); !after.EndsAt.Equal(e.EndsAt) {
		t.Error("a rejected change was stored")
	}
	p = expectProblem(t, h.do("PATCH", path, token, `{"questions": [{"key": "kommunentyp", "label": "Typ", "kind": "select", "options": ["nur eine"]}]}`), http.StatusUnprocessableEntity)
	if !p.names("questions[0].options") {
		t.Errorf("select with one option: %v", p.fields())
	}
	e = decode[eventBody](t, h.do("PATCH", path, token, `{"questions": [{"key": "kommunentyp", "label": "Typ", "kind": "select", "options": ["Die Bedächtigen", "Die Optimierer"], "required": true}]}`))
	if len(e.Questions) != 1 || len(e.Questions[0].Options) != 2 {
		t.Errorf("questions after patch: %+v", e.Questions)
	}
}

// Cancelling closes a published event for good; only drafts can be deleted.
func TestCancelAndDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	path := "/api/v1/events/" + e.Slug

	expectProblem(t, h.do("DELETE", path, token, ""), http.StatusConflict)
	c := decode[eventBody](t, h.do("POST", path+"/cancel", token, ""))
	if c.Status != "cancelled" || c.Revision != e.Revision+1 {
		t.Fatalf("cancel: status %s revision %d", c.Status, c.Revision)
	}
	if again := decode[eventBody](t, h.do("POST", path+"/cancel", token, "")); again.Revision != c.Revision {
		t.Error("cancelling twice changed the event again")
	}
	expectProblem(t, h.do("PATCH", path, token, `{"title": "Doch nicht"}`), http.StatusConflict)
	if rec := h.do("GET", path, "", ""); rec.Code != http.StatusOK {
		t.Errorf("a cancelled event stays visible: %d", rec.Code)
	}
	if page := h.do("GET", "/events/"+e.Slug, "", ""); !strings.Contains(page.Body.String(), "abgesagt") {
		t.Error("the page of a cancelled event does not say so")
	}

	draft := decode[eventBody](t, h.do("POST", "/api/v1/events", token, strings.Replace(validEvent, `"published"`, `"draft"`, 1)))
	expectProblem(t, h.do("POST", "/api/v1/events/"+draft.Slug+"/cancel", token, ""), http.StatusConflict)
	if rec := h.do("DELETE", "/api/v1/events/"+draft.Slug, token, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete draft: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, h.do("GET", "/api/v1/events/"+draft.Slug, token, ""), http.StatusNotFound)
}

// The public list shows upcoming events soonest first, past ones only when asked, in pages.
func TestListEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	create := func(title string, start time.Time) {
		body := fmt.Sprintf(`{"title": %q, "starts_at": %q, "ends_at": %q, "status": "published"}`,
			title, start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
		if rec := h.do("POST", "/api/v1/events", token, body); rec.Code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", title, rec.Code, rec.Body)
		}
	}
	create("Spaeter", testNow.AddDate(0, 2, 0))
	create("Bald", testNow.AddDate(0, 0, 7))
	create("Vorbei", testNow.AddDate(0, -1, 0))
	create("Lange vorbei", testNow.AddDate(-1, 0, 0))

	titles := func(path string) ([]string, *string) {
		page := decode[struct {
			Items      []eventBody
			NextCursor *string `json:"next_cursor"`
		}](t, h.do("GET", path, "", ""))
		var out []string
		for _, e := range page.Items {
			out = append(out, e.Title)
		}
		return out, page.NextCursor
	}
	if got, next := titles("/api/v1/events"); !slices.Equal(got, []string{"Bald", "Spaeter"}) || next != nil {
		t.Errorf("upcoming: %v, next %v", got, next)
	}
	if got, _ := titles("/api/v1/events?past=true"); !slices.Equal(got, []string{"Bald", "Spaeter", "Vorbei", "Lange vorbei"}) {
		t.Errorf("with past: %v", got)
	}

	var all []string
	path := "/api/v1/events?past=true&limit=3"
	for range 3 {
		got, next := titles(path)
		all = append(all, got...)
		if next == nil {
			break
		}
		path = "/api/v1/events?past=true&limit=3&cursor=" + *next
	}
	if len(all) != 4 {
		t.Errorf("paging through: %v", all)
	}
	for _, bad := range []string{"limit=0", "limit=501", "limit=x", "cursor=nonsense", "past=vielleicht"} {
		expectProblem(t, h.do("GET", "/api/v1/events?"+bad, "", ""), http.StatusUnprocessableEntity)
	}
}

// The event JSON carries its panel and agenda, and the panel and agenda have lists of their own.
func TestEventProgrammeInJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e := decode[eventBody](t, h.do("GET", "/api/v1/events/digitale-kommune-eine-typfrage", "", ""))
	if len(e.Panelists) != 4 || e.Panelists[3].Municipality != "Stadt Pattensen" {
		t.Errorf("panelists %+v", e.Panelists)
	}
	if len(e.Agenda) != 4 || e.Agenda[3].Title != "Fragen aus dem Publikum" || len(e.Agenda[3].PanelistIDs) != 4 {
		t.Errorf("agenda %+v", e.Agenda)
	}
	panelists := decode[struct {
		Items []struct{ Municipality string }
	}](t, h.do("GET", "/api/v1/events/digitale-kommune-eine-typfrage/panelists", "", ""))
	agenda := decode[struct{ Items []struct{ Title string } }](t, h.do("GET", "/api/v1/events/digitale-kommune-eine-typfrage/agenda", "", ""))
	if len(panelists.Items) != 4 || len(agenda.Items) != 4 || agenda.Items[0].Title != "Begrüßung" {
		t.Errorf("lists: %d panelists, agenda %+v", len(panelists.Items), agenda.Items)
	}
}
