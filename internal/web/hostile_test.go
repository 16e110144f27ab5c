package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
)

// hostileFixture is a published event with a text and a long-text question, an organizer's
// token and a logged-in admin's session.
type hostileFixture struct {
	h       *harness
	token   string
	slug    string
	session *http.Cookie
}

func newHostileFixture(t *testing.T) *hostileFixture {
	t.Helper()
	h := newHarnessWith(t, dbtest.New(t), false)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	rec := h.do("POST", "/api/v1/events", token, strings.Replace(validEvent, `"status"`, `"slug": "fest", "double_opt_in": false,
		"questions": [{"key": "kommunentyp", "label": "Kommunentyp", "kind": "select", "options": ["Die Bedächtigen", "Die Optimierer"]},
			{"key": "amt", "label": "Amt", "kind": "text"}, {"key": "anmerkung", "label": "Anmerkung", "kind": "textarea"}],
		"status"`, 1))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	e := decode[eventBody](t, rec)
	eventUser(t, h.pool, e.ID, "admin@example.org", "")
	h.pool.MustExec(`UPDATE users SET role = 'admin' WHERE email = 'admin@example.org'`)
	return &hostileFixture{h: h, token: token, slug: e.Slug, session: h.login("admin@example.org", testPassword)}
}

// NUL in any text of a JSON body is a 422 that names the field, down to the list entry or the
// answer; nothing reaches PostgreSQL, which refuses NUL with an error that used to be a 500.
func TestNULInJSONNamesTheField(t *testing.T) {
	t.Parallel()
	f := newHostileFixture(t)
	ev := "/api/v1/events/" + f.slug
	cases := []struct{ method, path, body, field string }{
		{"POST", "/api/v1/events", strings.Replace(validEvent, `"Digitale Verwaltung`, `"Digitale\u0000Verwaltung`, 1), "title"},
		{"POST", "/api/v1/events", strings.Replace(validEvent, `"KGSt"`, `"KG\u0000St"`, 1), "hosts[1]"},
		{"PATCH", ev, `{"description": "Erste Zeile\n\u0000"}`, "description"},
		{"PATCH", ev, `{"organizer_name": "\u0000"}`, "organizer_name"},
		{"PATCH", ev, `{"questions": [{"key": "amt", "label": "A\u0000mt", "kind": "text"}]}`, "questions[0].label"},
		{"POST", ev + "/registrations", `{"name": "Anna\u0000", "email": "anna@example.org", "consent": true}`, "name"},
		{"POST", ev + "/registrations", `{"name": "Anna", "email": "anna@example.org", "consent": true, "answers": {"kommunentyp": "Die Optimierer", "anmerkung": "\u0000"}}`, "answers.anmerkung"},
		{"POST", ev + "/members", `{"email": "admin\u0000@example.org", "role": "moderator"}`, "email"},
		{"POST", ev + "/panelists", `{"name": "Kreis\u0000Wesel"}`, "name"},
		{"POST", ev + "/agenda", `{"title": "Impuls\u0000", "kind": "talk", "starts_at": "2027-03-04T17:00:00+01:00", "ends_at": "2027-03-04T17:30:00+01:00"}`, "title"},
		{"POST", ev + "/questions", `{"text": "Warum\u0000?"}`, "text"},
		{"POST", ev + "/polls", `{"kind": "text", "question": "Ein\u0000Wort?"}`, "question"},
		{"POST", ev + "/polls", `{"kind": "single", "question": "Typ?", "options": ["A", "B\u0000"]}`, "options[1]"},
	}
	for _, c := range cases {
		p := expectProblem(t, f.h.do(c.method, c.path, f.token, c.body), http.StatusUnprocessableEntity)
		if !p.names(c.field) {
			t.Errorf("%s %s %s: fields %v, want %s", c.method, c.path, c.body, p.fields(), c.field)
		}
	}
	// Invalid UTF-8 in a body is no JSON text at all.
	expectProblem(t, f.h.do("POST", ev+"/registrations", f.token, "{\"name\": \"K\xf6ln\", \"email\": \"a@example.org\", \"consent\": true}"), http.StatusBadRequest)
	var n int
	f.h.pool.Get(&n, `SELECT (SELECT count(*) FROM registrations) + (SELECT count(*) FROM panelists) + (SELECT count(*) FROM questions)`)
	if n != 0 {
		t.Errorf("%d rows stored", n)
	}
}

// A list sent as null is an empty list, for hosts, questions, reminders and panelists alike.
func TestNullListsAreEmptyLists(t *testing.T) {
	t.Parallel()
	f := newHostileFixture(t)
	body := strings.Replace(validEvent, `"hosts": ["ÖFIT", "KGSt"]`, `"hosts": null, "questions": null, "reminder_offsets": null`, 1)
	rec := f.h.do("POST", "/api/v1/events", f.token, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create with null lists: %d %s", rec.Code, rec.Body)
	}
	if e := decode[eventBody](t, rec); e.Hosts == nil || len(e.Hosts) != 0 || e.Questions == nil || e.ReminderOffsets == nil {
		t.Errorf("hosts %#v, questions %#v, reminders %#v: want empty lists", e.Hosts, e.Questions, e.ReminderOffsets)
	}
	if rec := f.h.do("PATCH", "/api/v1/events/"+f.slug, f.token, `{"hosts": null}`); rec.Code != http.StatusOK {
		t.Errorf("PATCH hosts null: %d %s", rec.Code, rec.Body)
	}
	rec = f.h.do("POST", "/api/v1/events/"+f.slug+"/agenda", f.token, `{"title": "Impuls", "kind": "talk", "panelist_ids": null,
		"starts_at": "2027-03-04T17:00:00+01:00", "ends_at": "2027-03-04T17:30:00+01:00"}`)
	if rec.Code != http.StatusCreated {
		t.Errorf("agenda item with panelist_ids null: %d %s", rec.Code, rec.Body)
	}
}

// Invalid UTF-8 or NUL in a path parameter, a query parameter or a form field is a malformed
// request (400) that names the parameter, as problem+json for the API and as a page elsewhere.
func TestBadTextInPathsQueriesAndForms(t *testing.T) {
	t.Parallel()
	f := newHostileFixture(t)
	ev := "/api/v1/events/" + f.slug
	api := []struct{ method, path, field string }{
		{"GET", "/api/v1/events/%FF", "slug"},
		{"GET", "/api/v1/events/fest%00", "slug"},
		{"POST", "/api/v1/events/%C3/registrations", "slug"},
		{"GET", "/api/v1/registrations/%FF", "token"},
		{"GET", "/api/v1/events?past=%FF", "past"},
		{"GET", ev + "/registrations?status=%00", "status"},
		{"GET", ev + "/attendees.csv?lang=%E4", "lang"},
		{"GET", ev + "/questions?sort=%FF", "sort"},
	}
	for _, c := range api {
		p := expectProblem(t, f.h.do(c.method, c.path, f.token, ""), http.StatusBadRequest)
		if !p.names(c.field) {
			t.Errorf("%s %s: fields %v, want %s", c.method, c.path, p.fields(), c.field)
		}
	}
	for _, path := range []string{"/events/%FF", "/events/%FF.ics", "/r/%FF", "/r/%FF/join", "/r/1.%00/join.ics", "/?past=%00", "/events/" + f.slug + "/questions?sort=%FF",
		"/admin/events/" + f.slug + "?q=%FF", "/admin/events/" + f.slug + "?status=%00"} {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(f.session)
		rec := httptest.NewRecorder()
		f.h.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	forms := []struct {
		path string
		form url.Values
	}{
		{"/events/" + f.slug + "/registrations", url.Values{"name": {"K\xf6ln"}, "email": {"a@example.org"}, "consent": {"on"}}},
		{"/events/" + f.slug + "/registrations", url.Values{"name": {"Anna"}, "email": {"a@example.org"}, "answers.anmerkung": {"\x00"}, "consent": {"on"}}},
		{"/login", url.Values{"email": {"admin\xff@example.org"}, "password": {testPassword}}},
		{"/events/" + f.slug + "/questions", url.Values{"text": {"Warum \xfc?"}}},
		{"/admin/events/" + f.slug + "/panelists", url.Values{"name": {"Kreis\x00Wesel"}}},
		{"/admin/events/" + f.slug + "/members", url.Values{"email": {"\xff"}, "role": {"moderator"}}},
	}
	for _, c := range forms {
		res := f.h.postPage(c.path, c.form, f.session)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s %q: %d", c.path, c.form, res.StatusCode)
		}
	}
	var n int
	f.h.pool.Get(&n, `SELECT (SELECT count(*) FROM registrations) + (SELECT count(*) FROM panelists) + (SELECT count(*) FROM questions)`)
	if n != 0 {
		t.Errorf("%d rows stored", n)
	}
	if logs := f.h.logs.String(); strings.Contains(logs, `"status":500`) {
		t.Errorf("a request failed with 500:\n%s", logs)
	}
}

// The API reads its bodies as JSON whatever their content type says, as before: curl -d sends
// JSON as application/x-www-form-urlencoded, and the check of page forms must not eat it.
func TestAPIReadsJSONSentAsAForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	req := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(validEvent))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// A link whose query has a broken pair (a tracker's a=%zz, a semicolon) still opens the page, as
// it did: handlers never see such pairs, so they are no reason to refuse the request.
func TestBrokenQueryPairsAreIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"/?utm_source=%zz", "/?a=1;b=2", "/api/v1/events?x=%"} {
		if rec := h.do("GET", path, "", ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
}
