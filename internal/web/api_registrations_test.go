package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

const attendee = `{"name": "Erika Mustermann", "email": "erika@pattensen.example", "municipality": "Stadt Pattensen",
	"answers": {"kommunentyp": "Die Optimierer"}, "consent": true}`

// publishedEvent creates an event with two seats, no double opt-in and the Kommunentyp question.
func publishedEvent(t *testing.T, h *harness, token string, extra string) eventBody {
	t.Helper()
	body := strings.Replace(validEvent, `"status"`, `"capacity": 2, "double_opt_in": false, `+extra+`
		"questions": [{"key": "kommunentyp", "label": "Welcher Kommunentyp?", "kind": "select", "options": ["Die Bedächtigen", "Die Optimierer"], "required": true}],
		"status"`, 1)
	rec := h.do("POST", "/api/v1/events", token, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create event: %d %s", rec.Code, rec.Body)
	}
	return decode[eventBody](t, rec)
}

// Registering through the API: seats first, then the waitlist; the event shows the counts;
// a second registration with the same address is refused.
func TestRegisterAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := publishedEvent(t, h, token, "")
	path := "/api/v1/events/" + e.Slug + "/registrations"

	var statuses []string
	for i := range 3 {
		body := strings.Replace(attendee, "erika@", fmt.Sprintf("person%d@", i), 1)
		rec := h.do("POST", path, "", body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("register %d: %d %s", i, rec.Code, rec.Body)
		}
		statuses = append(statuses, decode[struct{ Status string }](t, rec).Status)
	}
	if strings.Join(statuses, ",") != "confirmed,confirmed,waitlisted" {
		t.Errorf("statuses %v", statuses)
	}
	var counts struct {
		Registered int  `json:"registered"`
		Waitlisted int  `json:"waitlisted"`
		SeatsLeft  *int `json:"seats_left"`
	}
	json.Unmarshal(h.do("GET", "/api/v1/events/"+e.Slug, "", "").Body.Bytes(), &counts)
	if counts.Registered != 2 || counts.Waitlisted != 1 || counts.SeatsLeft == nil || *counts.SeatsLeft != 0 {
		t.Errorf("counts %+v", counts)
	}

	p := expectProblem(t, h.do("POST", path, "", strings.Replace(attendee, "erika@", "PERSON0@", 1)), http.StatusConflict)
	if !p.names("email") {
		t.Errorf("duplicate: %v", p.fields())
	}
	p = expectProblem(t, h.do("POST", path, "", `{"name": "", "email": "x", "consent": false, "answers": {"kommunentyp": "Keiner"}, "extra": 1}`), http.StatusUnprocessableEntity)
	if !p.names("extra") {
		t.Errorf("unknown field not named: %v", p.fields())
	}
	huge := fmt.Sprintf(`{"name": %q}`, strings.Repeat("x", 2<<20))
	expectProblem(t, h.do("POST", path, "", huge), http.StatusRequestEntityTooLarge)
	expectProblem(t, h.do("POST", "/api/v1/events/gibt-es-nicht/registrations", "", attendee), http.StatusNotFound)

	var n int
	h.pool.Get(&n, `SELECT count(*) FROM registrations`)
	if n != 3 {
		t.Errorf("%d registrations stored, want 3", n)
	}
}

// Every rule refused by field: name, email, consent and the event's own questions.
func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := publishedEvent(t, h, token, "")
	path := "/api/v1/events/" + e.Slug + "/registrations"
	cases := map[string]string{
		"name":                `{"name": " ", "email": "a@b.example", "consent": true, "answers": {"kommunentyp": "Die Optimierer"}}`,
		"email":               `{"name": "A", "email": "a@", "consent": true, "answers": {"kommunentyp": "Die Optimierer"}}`,
		"consent":             `{"name": "A", "email": "a@b.example", "consent": false, "answers": {"kommunentyp": "Die Optimierer"}}`,
		"answers.kommunentyp": `{"name": "A", "email": "a@b.example", "consent": true, "answers": {}}`,
		"answers.farbe":       `{"name": "A", "email": "a@b.example", "consent": true, "answers": {"kommunentyp": "Die Optimierer", "farbe": "blau"}}`,
		"language":            `{"name": "A", "email": "a@b.example", "consent": true, "language": "fr", "answers": {"kommunentyp": "Die Optimierer"}}`,
		"organization":        fmt.Sprintf(`{"name": "A", "email": "a@b.example", "consent": true, "organization": %q, "answers": {"kommunentyp": "Die Optimierer"}}`, strings.Repeat("o", 201)),
		"answers":             `{"name": "A", "email": "a@b.example", "consent": true, "answers": "Die Optimierer"}`,
		"municipality":        `{"name": "A", "email": "a@b.example", "consent": true, "municipality": "Köln\r\nBcc: x@y.example", "answers": {"kommunentyp": "Die Optimierer"}}`,
	}
	for field, body := range cases {
		p := expectProblem(t, h.do("POST", path, "", body), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: fields %v", field, p.fields())
		}
	}
}

// The token holder sees, confirms and cancels their registration and can erase it; a cancelled
// seat goes to the next in line.
func TestManageByToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, orgaToken := h.user("orga@example.org", auth.RoleOrganizer)
	created := publishedEvent(t, h, orgaToken, `"waitlist": true,`)
	e, err := event.BySlug(context.Background(), h.pool, created.Slug)
	if err != nil {
		t.Fatal(err)
	}
	register := func(i int) string {
		in := registration.Input{Name: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@example.org", i), Consent: true,
			Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)}}
		_, token, err := registration.Register(context.Background(), h.pool, auth.ManageKey(harnessSecret), e, in, h.now)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	first, _, third := register(1), register(2), register(3)

	var got struct {
		Registration struct{ Status, Email string }
		Event        struct{ Slug string }
	}
	json.Unmarshal(h.do("GET", "/api/v1/registrations/"+first, "", "").Body.Bytes(), &got)
	if got.Registration.Status != "confirmed" || got.Registration.Email != "p1@example.org" || got.Event.Slug != e.Slug {
		t.Fatalf("view: %+v", got)
	}
	if rec := h.do("POST", "/api/v1/registrations/"+first+"/confirm", "", ""); rec.Code != http.StatusOK {
		t.Errorf("confirm is idempotent: %d", rec.Code)
	}
	json.Unmarshal(h.do("POST", "/api/v1/registrations/"+first+"/cancel", "", "").Body.Bytes(), &got)
	if got.Registration.Status != "cancelled" {
		t.Errorf("cancel: %+v", got)
	}
	json.Unmarshal(h.do("GET", "/api/v1/registrations/"+third, "", "").Body.Bytes(), &got)
	if got.Registration.Status != "confirmed" {
		t.Errorf("the waiting person was not promoted: %+v", got)
	}
	if rec := h.do("DELETE", "/api/v1/registrations/"+third, "", ""); rec.Code != http.StatusNoContent {
		t.Errorf("erase: %d", rec.Code)
	}
	for _, path := range []string{"/api/v1/registrations/" + third, "/api/v1/registrations/falsch", "/api/v1/registrations/falsch/cancel"} {
		method := "GET"
		if strings.HasSuffix(path, "cancel") {
			method = "POST"
		}
		expectProblem(t, h.do(method, path, "", ""), http.StatusNotFound)
	}
	if strings.Contains(h.logs.String(), first) {
		t.Error("a manage token reached the logs")
	}
}

// Organizers list their event's registrations by status, page through them, mark attendance and
// move people; nobody else sees the list.
func TestOrganizerRegistrations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, orgaToken := h.user("orga@example.org", auth.RoleOrganizer)
	_, otherToken := h.user("other@example.org", auth.RoleOrganizer)
	e := publishedEvent(t, h, orgaToken, "")
	for i := range 3 {
		h.do("POST", "/api/v1/events/"+e.Slug+"/registrations", "", strings.Replace(attendee, "erika@", fmt.Sprintf("p%d@", i), 1))
	}
	path := "/api/v1/events/" + e.Slug + "/registrations"
	expectProblem(t, h.do("GET", path, "", ""), http.StatusUnauthorized)
	expectProblem(t, h.do("GET", path, otherToken, ""), http.StatusForbidden)

	type item struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		Email    string `json:"email"`
		Attended bool   `json:"attended"`
	}
	type list struct {
		Items      []item  `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	all := decode[list](t, h.do("GET", path+"?limit=2", orgaToken, ""))
	if len(all.Items) != 2 || all.NextCursor == nil {
		t.Fatalf("first page %+v", all)
	}
	rest := decode[list](t, h.do("GET", path+"?limit=2&cursor="+*all.NextCursor, orgaToken, ""))
	if len(rest.Items) != 1 || rest.NextCursor != nil || rest.Items[0].Email != "p2@pattensen.example" {
		t.Fatalf("second page %+v", rest)
	}
	waiting := decode[list](t, h.do("GET", path+"?status=waitlisted", orgaToken, ""))
	if len(waiting.Items) != 1 || waiting.Items[0].ID != rest.Items[0].ID {
		t.Fatalf("waitlisted %+v", waiting)
	}
	expectProblem(t, h.do("GET", path+"?status=maybe", orgaToken, ""), http.StatusUnprocessableEntity)

	first := all.Items[0]
	one := fmt.Sprintf("%s/%d", path, first.ID)
	if got := decode[item](t, h.do("PATCH", one, orgaToken, `{"attended": true}`)); !got.Attended || got.Status != "confirmed" {
		t.Errorf("attendance: %+v", got)
	}
	expectProblem(t, h.do("PATCH", fmt.Sprintf("%s/%d", path, waiting.Items[0].ID), orgaToken, `{"status": "confirmed"}`), http.StatusConflict)
	expectProblem(t, h.do("PATCH", one, orgaToken, `{"status": "pending"}`), http.StatusUnprocessableEntity)
	expectProblem(t, h.do("PATCH", one, otherToken, `{"status": "cancelled"}`), http.StatusForbidden)
	expectProblem(t, h.do("PATCH", path+"/999999", orgaToken, `{"attended": true}`), http.StatusNotFound)

	if got := decode[item](t, h.do("PATCH", one, orgaToken, `{"status": "cancelled"}`)); got.Status != "cancelled" {
		t.Errorf("cancel: %+v", got)
	}
	promoted := decode[list](t, h.do("GET", path+"?status=confirmed", orgaToken, ""))
	if len(promoted.Items) != 2 || promoted.Items[1].ID != waiting.Items[0].ID {
		t.Errorf("after cancelling, the waiting person holds the seat: %+v", promoted)
	}
}

// One address may register 30 times a minute; the 31st attempt is told when to come back and
// changes nothing. PODIUM_RATE_LIMITS=off lifts the limit.
func TestRegistrationRateLimit(t *testing.T) {
	t.Parallel()
	for _, limits := range []bool{true, false} {
		h := newHarnessWith(t, dbtest.New(t), limits)
		_, token := h.user("orga@example.org", auth.RoleOrganizer)
		e := publishedEvent(t, h, token, `"capacity": null,`)
		path := "/api/v1/events/" + e.Slug + "/registrations"
		for i := range 30 {
			if rec := h.do("POST", path, "", strings.Replace(attendee, "erika@", fmt.Sprintf("p%d@", i), 1)); rec.Code != http.StatusCreated {
				t.Fatalf("registration %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		rec := h.do("POST", path, "", strings.Replace(attendee, "erika@", "p31@", 1))
		if !limits {
			if rec.Code != http.StatusCreated {
				t.Errorf("limits off: %d", rec.Code)
			}
			continue
		}
		expectProblem(t, rec, http.StatusTooManyRequests)
		if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		var n int
		h.pool.Get(&n, `SELECT count(*) FROM registrations`)
		if n != 30 {
			t.Errorf("%d registrations, want 30", n)
		}
	}
}
