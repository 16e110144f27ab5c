package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/calendar/icaltest"
)

// panelistBody is a panelist as the API shows it.
type panelistBody struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Organization string `json:"organization"`
	Municipality string `json:"municipality"`
	Bio          string `json:"bio"`
	Position     int    `json:"position"`
}

// panelList is a list answer of panelists or agenda items.
type panelList[T any] struct {
	Items []T `json:"items"`
}

// agendaBody is an agenda item as the API shows it.
type agendaBody struct {
	ID          int64     `json:"id"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	Title       string    `json:"title"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	PanelistIDs []int64   `json:"panelist_ids"`
}

// panelFixture is a published event from 17:00 to 18:30 Berlin on 4 March 2027, created by an
// organizer, and a second event of the same organizer.
type panelFixture struct {
	h            *harness
	token        string
	slug, other  string
	path, agenda string // the event's panelists and agenda
}

func newPanelFixture(t *testing.T) *panelFixture {
	t.Helper()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	other := decode[eventBody](t, h.do("POST", "/api/v1/events", token, strings.Replace(validEvent, "Digitale Verwaltung", "Zweite Runde", 1)))
	if e.Slug == "" || other.Slug == "" || e.Slug == other.Slug {
		t.Fatalf("events %q %q", e.Slug, other.Slug)
	}
	base := "/api/v1/events/" + e.Slug
	return &panelFixture{h: h, token: token, slug: e.Slug, other: other.Slug, path: base + "/panelists", agenda: base + "/agenda"}
}

// decodeCreated checks that rec is a 201 and decodes it.
func decodeCreated[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", rec.Code, rec.Body)
	}
	return decode[T](t, rec)
}

// An organizer adds, changes and removes panelists; only the fields a change names change, and
// the event JSON and the event page show the panel.
func TestPanelistsAPI(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	h := f.h

	rec := h.do("POST", f.path, f.token, `{"name": " Erika Mustermann ", "role": "Amtsleiterin Digitales",
		"organization": "Stadtverwaltung Pattensen", "municipality": "Stadt Pattensen", "bio": "Seit 2015\nim Amt", "position": 3}`)
	p := decodeCreated[panelistBody](t, rec)
	if p.ID == 0 || p.Name != "Erika Mustermann" || p.Role != "Amtsleiterin Digitales" || p.Bio != "Seit 2015\nim Amt" || p.Position != 3 {
		t.Errorf("created %+v", p)
	}
	rec = h.do("POST", f.path, f.token, `{"name": "Max Mustermann"}`)
	second := decodeCreated[panelistBody](t, rec)
	if second.Position != 4 {
		t.Errorf("a panelist without position goes last: %d", second.Position)
	}

	e := decode[struct {
		Panelists []panelistBody `json:"panelists"`
	}](t, h.do("GET", "/api/v1/events/"+f.slug, "", ""))
	if len(e.Panelists) != 2 || e.Panelists[0] != p {
		t.Errorf("event JSON panelists %+v", e.Panelists)
	}
	html := h.do("GET", "/events/"+f.slug, "", "").Body.String()
	if !strings.Contains(html, "Erika Mustermann") || !strings.Contains(html, "Stadt Pattensen") {
		t.Error("the event page does not show the new panelist")
	}

	one := f.path + "/" + itoa(p.ID)
	changed := decode[panelistBody](t, h.do("PATCH", one, f.token, `{"role": "Leiterin Bürgerservice", "position": 0}`))
	if changed.Role != "Leiterin Bürgerservice" || changed.Position != 0 || changed.Name != p.Name || changed.Bio != p.Bio || changed.Municipality != p.Municipality {
		t.Errorf("after PATCH %+v", changed)
	}
	if moved := decode[panelistBody](t, h.do("PATCH", one, f.token, `{"position": null}`)); moved.Position != 5 {
		t.Errorf("position null moves the panelist last: %d", moved.Position)
	}
	list := decode[panelList[panelistBody]](t, h.do("GET", f.path, "", ""))
	if len(list.Items) != 2 || list.Items[0].ID != second.ID || list.Items[1].ID != p.ID {
		t.Errorf("list %+v", list.Items)
	}

	if rec := h.do("DELETE", one, f.token, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, h.do("PATCH", one, f.token, `{"role": "x"}`), http.StatusNotFound)
	expectProblem(t, h.do("DELETE", one, f.token, ""), http.StatusNotFound)
	expectProblem(t, h.do("PATCH", f.path+"/erika", f.token, `{"role": "x"}`), http.StatusNotFound)
	expectProblem(t, h.do("DELETE", f.path+"/-1", f.token, ""), http.StatusNotFound)
	if list := decode[panelList[panelistBody]](t, h.do("GET", f.path, "", "")); len(list.Items) != 1 {
		t.Errorf("after delete %+v", list.Items)
	}
}

// Every bad field of a panelist is named in one answer; each limit holds at its value.
func TestPanelistValidationAPI(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	h := f.h
	s := strings.Repeat

	atLimit := fmt.Sprintf(`{"name": %q, "role": %q, "organization": %q, "municipality": %q, "bio": %q, "position": 10000}`,
		s("ä", 200), s("ö", 200), s("ü", 200), s("ß", 200), s("é", 5000))
	rec := h.do("POST", f.path, f.token, atLimit)
	p := decodeCreated[panelistBody](t, rec)

	pastLimit := fmt.Sprintf(`{"name": %q, "role": %q, "organization": %q, "municipality": %q, "bio": %q, "position": 10001}`,
		s("ä", 201), s("ö", 201), s("ü", 201), s("ß", 201), s("é", 5001))
	want := []string{"name", "role", "organization", "municipality", "bio", "position"}
	for _, req := range []struct{ method, path string }{{"POST", f.path}, {"PATCH", f.path + "/" + itoa(p.ID)}} {
		prob := expectProblem(t, h.do(req.method, req.path, f.token, pastLimit), http.StatusUnprocessableEntity)
		if got := prob.fields(); !slices.Equal(got, want) {
			t.Errorf("%s: fields %v, want %v", req.method, got, want)
		}
	}

	prob := expectProblem(t, h.do("POST", f.path, f.token, `{"name": "", "municipality": "Stadt\nKöln", "bio": "a\u0007b", "position": -1}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"name", "municipality", "bio", "position"}) {
		t.Errorf("fields %v", got)
	}
	// Values of the wrong type are named together with the fields that fail validation.
	prob = expectProblem(t, h.do("POST", f.path, f.token, `{"name": 7, "position": "erste", "role": "`+s("x", 201)+`", "twitter": "@x"}`), http.StatusUnprocessableEntity)
	for _, field := range []string{"name", "position", "role", "twitter"} {
		if !prob.names(field) {
			t.Errorf("%s is not named: %v", field, prob.fields())
		}
	}
	expectProblem(t, h.do("POST", f.path, f.token, `{"name": `), http.StatusBadRequest)
	expectProblem(t, h.do("POST", f.path, f.token, `["Erika"]`), http.StatusBadRequest)

	// A PATCH that names nothing wrong changes nothing it does not name.
	after := decode[panelistBody](t, h.do("PATCH", f.path+"/"+itoa(p.ID), f.token, `{"bio": ""}`))
	if after.Bio != "" || after.Name != p.Name || after.Position != 10000 {
		t.Errorf("after PATCH %+v", after)
	}
}

// Only the event's organizers change its panel and agenda: others are refused with 403, and
// requests without credentials with 401.
func TestPanelAPINeedsOrganizer(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	h := f.h
	_, member := h.user("member@example.org", auth.RoleMember)
	_, stranger := h.user("andere@example.org", auth.RoleOrganizer)
	p := decode[panelistBody](t, h.do("POST", f.path, f.token, `{"name": "Erika Mustermann"}`))
	item := decode[agendaBody](t, h.do("POST", f.agenda, f.token, `{"title": "Begrüßung", "kind": "talk",
		"starts_at": "2027-03-04T17:00:00+01:00", "ends_at": "2027-03-04T17:05:00+01:00"}`))

	requests := []struct{ method, path, body string }{
		{"POST", f.path, `{"name": "Max Mustermann"}`},
		{"PATCH", f.path + "/" + itoa(p.ID), `{"name": "Max Mustermann"}`},
		{"DELETE", f.path + "/" + itoa(p.ID), ""},
		{"POST", f.agenda, `{"title": "Pause", "kind": "break", "starts_at": "2027-03-04T17:05:00+01:00", "ends_at": "2027-03-04T17:10:00+01:00"}`},
		{"PATCH", f.agenda + "/" + itoa(item.ID), `{"title": "Pause"}`},
		{"DELETE", f.agenda + "/" + itoa(item.ID), ""},
	}
	for _, req := range requests {
		expectProblem(t, h.do(req.method, req.path, member, req.body), http.StatusForbidden)
		expectProblem(t, h.do(req.method, req.path, stranger, req.body), http.StatusForbidden)
		if rec := expectProblem(t, h.do(req.method, req.path, "", req.body), http.StatusUnauthorized); len(rec.Errors) != 0 {
			t.Errorf("%s %s: %+v", req.method, req.path, rec)
		}
	}
	e := decode[eventBody](t, h.do("GET", "/api/v1/events/"+f.slug, "", ""))
	if len(e.Panelists) != 1 || len(e.Agenda) != 1 || e.Agenda[0].Title != "Begrüßung" {
		t.Errorf("refused requests changed the programme: %+v %+v", e.Panelists, e.Agenda)
	}
}

// An organizer builds the agenda: items lie within the event, involve only its panelists, and
// show up in the event JSON, on the event page and in the event's calendar.
func TestAgendaAPI(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	h := f.h
	erika := decode[panelistBody](t, h.do("POST", f.path, f.token, `{"name": "Erika Mustermann", "position": 2}`))
	maxi := decode[panelistBody](t, h.do("POST", f.path, f.token, `{"name": "Max Mustermann", "position": 1}`))
	stranger := decode[panelistBody](t, h.do("POST", "/api/v1/events/"+f.other+"/panelists", f.token, `{"name": "Fremde Person"}`))

	req := fmt.Sprintf(`{"title": "Podiumsgespräch über Kommunentypen", "kind": "panel", "description": "Vier Kommunen\nim Gespräch",
		"starts_at": "2027-03-04T17:25:00+01:00", "ends_at": "2027-03-04T18:10:00+01:00", "panelist_ids": [%d, %d]}`, erika.ID, maxi.ID)
	rec := h.do("POST", f.agenda, f.token, req)
	item := decodeCreated[agendaBody](t, rec)
	if item.ID == 0 || item.Kind != "panel" || item.Description != "Vier Kommunen\nim Gespräch" ||
		!item.StartsAt.Equal(time.Date(2027, 3, 4, 16, 25, 0, 0, time.UTC)) || !slices.Equal(item.PanelistIDs, []int64{maxi.ID, erika.ID}) {
		t.Errorf("created %+v", item)
	}

	e := decode[eventBody](t, h.do("GET", "/api/v1/events/"+f.slug, "", ""))
	if len(e.Agenda) != 1 || e.Agenda[0].Title != item.Title || !slices.Equal(e.Agenda[0].PanelistIDs, item.PanelistIDs) {
		t.Errorf("event JSON agenda %+v", e.Agenda)
	}
	if html := h.do("GET", "/events/"+f.slug, "", "").Body.String(); !strings.Contains(html, "Podiumsgespräch über Kommunentypen") {
		t.Error("the event page does not show the new agenda item")
	}
	rec = h.do("GET", "/events/"+f.slug+".ics", "", "")
	expectCalendar(t, rec, "PUBLISH")
	if desc := icaltest.Parse(t, rec.Body.Bytes()).Events[0].Description; !strings.Contains(desc, "17:25–18:10 Uhr  Podiumsgespräch über Kommunentypen") {
		t.Errorf("the calendar description lacks the item: %q", desc)
	}

	one := f.agenda + "/" + itoa(item.ID)
	changed := decode[agendaBody](t, h.do("PATCH", one, f.token, `{"title": "Podium"}`))
	if changed.Title != "Podium" || !changed.StartsAt.Equal(item.StartsAt) || !changed.EndsAt.Equal(item.EndsAt) ||
		changed.Kind != "panel" || changed.Description != item.Description || !slices.Equal(changed.PanelistIDs, item.PanelistIDs) {
		t.Errorf("after PATCH of the title %+v", changed)
	}
	changed = decode[agendaBody](t, h.do("PATCH", one, f.token, fmt.Sprintf(`{"panelist_ids": [%d], "ends_at": "2027-03-04T18:30:00+01:00"}`, erika.ID)))
	if !slices.Equal(changed.PanelistIDs, []int64{erika.ID}) || !changed.EndsAt.Equal(time.Date(2027, 3, 4, 17, 30, 0, 0, time.UTC)) || changed.Title != "Podium" {
		t.Errorf("after PATCH of the panelists %+v", changed)
	}
	if changed = decode[agendaBody](t, h.do("PATCH", one, f.token, `{"panelist_ids": []}`)); changed.PanelistIDs == nil || len(changed.PanelistIDs) != 0 {
		t.Errorf("after emptying the panelists %+v", changed.PanelistIDs)
	}
	list := decode[panelList[agendaBody]](t, h.do("GET", f.agenda, "", ""))
	if len(list.Items) != 1 || list.Items[0].Title != "Podium" || len(list.Items[0].PanelistIDs) != 0 {
		t.Errorf("agenda %+v", list.Items)
	}

	// Outside the event's time, with another event's panelist, or as an item of another event.
	prob := expectProblem(t, h.do("PATCH", one, f.token, `{"starts_at": "2027-03-04T16:55:00+01:00", "ends_at": "2027-03-04T18:35:00+01:00"}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"starts_at", "ends_at"}) {
		t.Errorf("outside the event: %v", got)
	}
	prob = expectProblem(t, h.do("POST", f.agenda, f.token, `{"title": "Nachgespräch", "kind": "talk", "starts_at": "2027-03-05T17:00:00+01:00", "ends_at": "2027-03-05T17:30:00+01:00"}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"starts_at", "ends_at"}) {
		t.Errorf("the next day: %v", got)
	}
	prob = expectProblem(t, h.do("PATCH", one, f.token, fmt.Sprintf(`{"panelist_ids": [%d, %d]}`, erika.ID, stranger.ID)), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"panelist_ids[1]"}) {
		t.Errorf("another event's panelist: %v", got)
	}
	otherItem := "/api/v1/events/" + f.other + "/agenda/" + itoa(item.ID)
	expectProblem(t, h.do("PATCH", otherItem, f.token, `{"title": "Gekapert"}`), http.StatusNotFound)
	expectProblem(t, h.do("DELETE", otherItem, f.token, ""), http.StatusNotFound)
	expectProblem(t, h.do("PATCH", "/api/v1/events/"+f.other+"/panelists/"+itoa(erika.ID), f.token, `{"name": "Gekapert"}`), http.StatusNotFound)
	expectProblem(t, h.do("DELETE", "/api/v1/events/"+f.other+"/panelists/"+itoa(erika.ID), f.token, ""), http.StatusNotFound)
	expectProblem(t, h.do("PATCH", f.agenda+"/eins", f.token, `{"title": "x"}`), http.StatusNotFound)
	if after := decode[agendaBody](t, h.do("PATCH", one, f.token, `{}`)); after.Title != "Podium" || !after.StartsAt.Equal(item.StartsAt) {
		t.Errorf("rejected changes were stored: %+v", after)
	}

	if rec := h.do("DELETE", one, f.token, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, h.do("DELETE", one, f.token, ""), http.StatusNotFound)
	if list := decode[panelList[agendaBody]](t, h.do("GET", f.agenda, "", "")); len(list.Items) != 0 {
		t.Errorf("after delete %+v", list.Items)
	}
}

// Every bad field of an agenda item is named in one answer; each limit holds at its value.
func TestAgendaValidationAPI(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	h := f.h
	s := strings.Repeat
	times := `"starts_at": "2027-03-04T17:00:00+01:00", "ends_at": "2027-03-04T17:30:00+01:00"`

	rec := h.do("POST", f.agenda, f.token, fmt.Sprintf(`{"title": %q, "kind": "qa", "description": %q, %s}`, s("ä", 200), s("ü", 5000), times))
	item := decodeCreated[agendaBody](t, rec)
	if len([]rune(item.Title)) != 200 || len([]rune(item.Description)) != 5000 || item.PanelistIDs == nil {
		t.Errorf("created %d %d %v", len([]rune(item.Title)), len([]rune(item.Description)), item.PanelistIDs)
	}

	pastLimit := fmt.Sprintf(`{"title": %q, "kind": "workshop", "description": %q, "starts_at": "2027-03-04T17:30:00+01:00", "ends_at": "2027-03-04T17:30:00+01:00"}`,
		s("ä", 201), s("ü", 5001))
	want := []string{"title", "kind", "description", "ends_at"}
	for _, req := range []struct{ method, path string }{{"POST", f.agenda}, {"PATCH", f.agenda + "/" + itoa(item.ID)}} {
		prob := expectProblem(t, h.do(req.method, req.path, f.token, pastLimit), http.StatusUnprocessableEntity)
		if got := prob.fields(); !slices.Equal(got, want) {
			t.Errorf("%s: fields %v, want %v", req.method, got, want)
		}
	}

	// The NUL is named where the body is decoded, before validation names the rest.
	prob := expectProblem(t, h.do("POST", f.agenda, f.token, `{"description": "a\u0000b"}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"description", "title", "kind", "starts_at", "ends_at"}) {
		t.Errorf("empty item: %v", got)
	}
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = itoa(int64(i + 1))
	}
	prob = expectProblem(t, h.do("POST", f.agenda, f.token, `{"title": "Pause", "kind": "break", `+times+`, "panelist_ids": [`+strings.Join(ids, ",")+`]}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"panelist_ids"}) {
		t.Errorf("51 panelists: %v", got)
	}
	// Values of the wrong type are named together with the fields that fail validation.
	prob = expectProblem(t, h.do("POST", f.agenda, f.token, `{"title": "", "kind": "talk", "starts_at": "morgen", "ends_at": "2027-03-04T17:30:00+01:00", "panelist_ids": ["Erika"]}`), http.StatusUnprocessableEntity)
	if got := prob.fields(); !slices.Equal(got, []string{"starts_at", "panelist_ids", "title"}) {
		t.Errorf("wrong types: %v", got)
	}
}
