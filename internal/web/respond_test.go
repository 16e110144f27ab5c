package web_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
)

// A response that cannot be encoded (an event stored in the year 10000, which JSON's times cannot
// hold) is a 500 problem naming the request id, logged with it, never a 200 without a body.
func TestAnswerThatCannotBeEncodedIsA500(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	far := farEvent(t, h, token, "silvester-9999")

	for _, path := range []string{"/api/v1/events", "/api/v1/events/" + far.Slug} {
		rec := h.do("GET", path, "", "")
		p := expectProblem(t, rec, http.StatusInternalServerError)
		id := rec.Header().Get("X-Request-ID")
		if id == "" || !strings.Contains(p.Detail, id) {
			t.Errorf("%s: the problem does not name the request id %q: %q", path, id, p.Detail)
		}
		if logs := h.logs.String(); !strings.Contains(logs, `"request_id":"`+id+`"`) || !strings.Contains(logs, "year outside of range") {
			t.Errorf("%s: the encoding error was not logged with the request id:\n%s", path, logs)
		}
	}
}

// brokenConnection is a client that hung up: every write fails.
type brokenConnection struct{ header http.Header }

func (b *brokenConnection) Header() http.Header { return b.header }
func (b *brokenConnection) Write([]byte) (int, error) {
	return 0, errors.New("connection reset by peer")
}
func (b *brokenConnection) WriteHeader(statusCode int) {}

// A response that does not reach the client can no longer be answered otherwise; it is logged
// with the request id, for calendars, JSON and pages alike.
func TestUndeliveredAnswersAreLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	for _, path := range []string{"/events.ics", "/api/v1/events/" + e.Slug, "/events/" + e.Slug} {
		w := &brokenConnection{header: http.Header{}}
		h.handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		id := w.header.Get("X-Request-ID")
		if logs := h.logs.String(); !strings.Contains(logs, `"msg":"response not delivered","request_id":"`+id+`"`) {
			t.Errorf("%s: the failed write was not logged with request id %q:\n%s", path, id, logs)
		}
	}
}
