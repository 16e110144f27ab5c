package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
)

// doWithin is do that fails the test instead of hanging it when the answer takes longer than d.
func (h *harness) doWithin(d time.Duration, method, path, token, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- h.do(method, path, token, body) }()
	select {
	case rec := <-done:
		return rec
	case <-time.After(d):
		h.t.Fatalf("%s %s: no answer within %v", method, path, d)
		return nil
	}
}

// The event on 31.12.9999 that once took the calendars and the mail worker down cannot be made:
// every time the API and the dashboard take is refused outside the years 1900 to 2200, naming
// the field, and nothing is stored.
func TestTimesOutsideTheYearsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	far := `"9999-12-31T20:00:00-14:00"`
	for field, body := range map[string]string{
		"starts_at":              strings.Replace(validEvent, `"2027-03-04T17:00:00+01:00"`, far, 1),
		"ends_at":                strings.Replace(validEvent, `"2027-03-04T18:30:00+01:00"`, `"2201-01-01T00:30:00+01:00"`, 1),
		"registration_opens_at":  strings.Replace(validEvent, `"title"`, `"registration_opens_at": "1899-12-31T23:59:59Z", "title"`, 1),
		"registration_closes_at": strings.Replace(validEvent, `"title"`, `"registration_closes_at": `+far+`, "title"`, 1),
	} {
		p := expectProblem(t, h.do("POST", "/api/v1/events", token, body), http.StatusUnprocessableEntity)
		if !p.names(field) {
			t.Errorf("%s out of range: fields %v", field, p.fields())
		}
	}
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	path := "/api/v1/events/" + e.Slug
	p := expectProblem(t, h.do("PATCH", path, token, `{"starts_at": `+far+`, "ends_at": "9999-12-31T21:00:00-14:00"}`), http.StatusUnprocessableEntity)
	if !p.names("starts_at") || !p.names("ends_at") {
		t.Errorf("PATCH to 9999: fields %v", p.fields())
	}
	p = expectProblem(t, h.do("POST", path+"/agenda", token, `{"title": "Impuls", "kind": "talk", "starts_at": `+far+`, "ends_at": "9999-12-31T21:00:00-14:00"}`), http.StatusUnprocessableEntity)
	if !p.names("starts_at") {
		t.Errorf("agenda item in 9999: fields %v", p.fields())
	}

	// The dashboard's form takes the time on the event's clocks.
	eventUser(t, h.pool, e.ID, "dashboard@example.org", "")
	h.pool.MustExec(`UPDATE users SET role = 'admin' WHERE email = 'dashboard@example.org'`)
	session := h.login("dashboard@example.org", testPassword)
	edit := "/admin/events/" + e.Slug + "/edit"
	form := formValues(t, body(h.getPage(edit, session)), edit)
	for name, value := range map[string]string{"starts_at_date": "9999-12-31", "starts_at_time": "20:00", "ends_at_date": "9999-12-31", "ends_at_time": "21:00"} {
		form.Set(name, value)
	}
	res := h.postPage(edit, form, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || fieldError(page, "e-starts-at") != "Bitte ein Datum zwischen den Jahren 1900 und 2200 angeben." {
		t.Errorf("dashboard edit to 9999: %d %q", res.StatusCode, fieldError(page, "e-starts-at"))
	}
	var stored int
	h.pool.Get(&stored, `SELECT count(*) FROM events WHERE starts_at > '2201-01-01' OR ends_at > '2201-01-01'`)
	if stored != 0 {
		t.Errorf("%d events stored past 2200", stored)
	}
}

// farEvent publishes a valid event and then moves it, in the database itself, to 31.12.9999 at
// -14:00 (New Year 10000 in UTC), as an event stored before the years were checked.
func farEvent(t *testing.T, h *harness, token, slug string) eventBody {
	t.Helper()
	body := strings.Replace(validEvent, `"title"`, `"slug": "`+slug+`", "title"`, 1)
	rec := h.do("POST", "/api/v1/events", token, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	h.pool.MustExec(`UPDATE events SET starts_at = '9999-12-31T20:00:00-14:00', ends_at = '9999-12-31T21:00:00-14:00',
		registration_closes_at = '9999-12-31T20:00:00-14:00' WHERE slug = $1`, slug)
	return decode[eventBody](t, rec)
}

// Such an event left in the database takes no calendar down: the feed answers at once without
// it, and its own calendar is refused with a logged error.
func TestAnEventOutsideTheYearsTakesNothingDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	good := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	far := farEvent(t, h, token, "silvester-9999")

	rec := h.doWithin(20*time.Second, "GET", "/events.ics", "", "")
	expectCalendar(t, rec, "PUBLISH")
	if feed := rec.Body.String(); !strings.Contains(feed, "podium-event-"+itoa(good.ID)+"@") || strings.Contains(feed, "podium-event-"+itoa(far.ID)+"@") {
		t.Errorf("the feed lacks the good event or holds the broken one:\n%s", feed)
	}
	if !strings.Contains(h.logs.String(), "event left out of the calendar feed") {
		t.Error("leaving the event out was not logged")
	}

	rec = h.doWithin(20*time.Second, "GET", "/events/silvester-9999.ics", "", "")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "BEGIN:VCALENDAR") {
		t.Errorf("the broken event's calendar: %d", rec.Code)
	}
}
