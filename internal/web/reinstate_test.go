package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
)

// An organizer reinstates a cancelled registration from its row on the dashboard: refused in
// German while the event is full and has no waitlist, back with a seat (and the confirmation
// mail) once a seat is free, audited. The API does the same, and puts the person on the
// waitlist when the event has one and no seat is free.
func TestReinstate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("creator@example.org", auth.RoleOrganizer)
	e := publishedEvent(t, h, token, `"waitlist": false,`)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	session := h.login("orga@example.org", testPassword)
	register := func(email string) int64 {
		t.Helper()
		rec := h.do("POST", "/api/v1/events/"+e.Slug+"/registrations", "", strings.Replace(attendee, "erika@pattensen.example", email, 1))
		if rec.Code != http.StatusCreated {
			t.Fatalf("register %s: %d %s", email, rec.Code, rec.Body)
		}
		return decode[struct{ ID int64 }](t, rec).ID
	}
	patch := func(id int64, body string) *httptest.ResponseRecorder {
		return h.do("PATCH", fmt.Sprintf("/api/v1/events/%s/registrations/%d", e.Slug, id), token, body)
	}
	erika := register("erika@pattensen.example")
	register("juergen@wesel.example")
	if rec := patch(erika, `{"status": "cancelled"}`); rec.Code != http.StatusOK {
		t.Fatalf("cancel: %d", rec.Code)
	}
	register("hannah@freiburg.example") // takes the seat Erika left

	dash := "/admin/events/" + e.Slug
	page := body(h.getPage(dash, session))
	if !strings.Contains(page, dash+"/registrations/"+strconv.FormatInt(erika, 10)+"/reinstate") {
		t.Fatalf("the cancelled row offers no reinstatement")
	}
	res := h.postPage(dash+"/registrations/"+strconv.FormatInt(erika, 10)+"/reinstate", nil, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "ausgebucht und hat keine Warteliste") {
		t.Errorf("reinstate into a full event without waitlist: %d", res.StatusCode)
	}
	if rec := h.do("PATCH", "/api/v1/events/"+e.Slug, token, `{"capacity": 3}`); rec.Code != http.StatusOK {
		t.Fatalf("raise the capacity: %d %s", rec.Code, rec.Body)
	}
	res = h.postPage(dash+"/registrations/"+strconv.FormatInt(erika, 10)+"/reinstate", nil, session)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "done=registration.reinstated.confirmed") {
		t.Fatalf("reinstate with a free seat: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if page := body(h.getPage(res.Header.Get("Location"), session)); !strings.Contains(page, "Die Anmeldung ist wieder aufgenommen und hat einen Platz.") {
		t.Errorf("the dashboard does not say what happened")
	}
	var status string
	var confirmations int
	h.pool.Get(&status, `SELECT status FROM registrations WHERE id = $1`, erika)
	h.pool.Get(&confirmations, `SELECT count(*) FROM outbox WHERE registration_id = $1 AND kind = 'registered'`, erika)
	if status != "confirmed" || confirmations != 2 {
		t.Errorf("Erika is %s with %d confirmation mails, want confirmed with 2", status, confirmations)
	}
	if got := auditDetails(t, h.pool, e.ID, "registration.reinstated"); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("id=%d change=confirmed", erika)) {
		t.Errorf("the audit log: %q", got)
	}

	// Through the API: a registration that is not cancelled is not reinstated; a status change
	// does not bring a cancelled one back but says how; with a waitlist and no seat, the
	// reinstated person waits.
	reinstate := func(id int64) *httptest.ResponseRecorder {
		return h.do("POST", fmt.Sprintf("/api/v1/events/%s/registrations/%d/reinstate", e.Slug, id), token, "")
	}
	if p := expectProblem(t, reinstate(erika), http.StatusConflict); !strings.Contains(p.Detail, "only a cancelled registration") {
		t.Errorf("reinstate a confirmed registration: %+v", p)
	}
	patch(erika, `{"status": "cancelled"}`)
	if p := expectProblem(t, patch(erika, `{"status": "confirmed"}`), http.StatusConflict); !strings.Contains(p.Detail, "reinstat") {
		t.Errorf("confirm a cancelled registration: %+v", p)
	}
	register("jana@koeln.example") // the third seat
	if rec := h.do("PATCH", "/api/v1/events/"+e.Slug, token, `{"waitlist": true}`); rec.Code != http.StatusOK {
		t.Fatalf("open the waitlist: %d %s", rec.Code, rec.Body)
	}
	rec := reinstate(erika)
	if rec.Code != http.StatusOK || decode[struct{ Status string }](t, rec).Status != "waitlisted" {
		t.Errorf("reinstate into a full event with waitlist: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, reinstate(999999), http.StatusNotFound)
}
