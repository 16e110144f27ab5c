package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
)

// Registrations read their event from a copy up to a second old, and still obey a change made
// a moment ago: a new required question must be answered, a cancelled event takes nobody.
func TestRegistrationsObeyAChangeMadeAMomentAgo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := publishedEvent(t, h, token, "")
	path := "/api/v1/events/" + e.Slug + "/registrations"
	if rec := h.do("POST", path, "", attendee); rec.Code != http.StatusCreated { // the copy is read now
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}

	questions := `{"questions": [
		{"key": "kommunentyp", "label": "Welcher Kommunentyp?", "kind": "select", "options": ["Die Bedächtigen", "Die Optimierer"], "required": true},
		{"key": "landkreis", "label": "Landkreis", "kind": "text", "required": true}]}`
	if rec := h.do("PATCH", "/api/v1/events/"+e.Slug, token, questions); rec.Code != http.StatusOK {
		t.Fatalf("add a question: %d %s", rec.Code, rec.Body)
	}
	second := strings.Replace(attendee, "erika@", "zweite@", 1)
	p := expectProblem(t, h.do("POST", path, "", second), http.StatusUnprocessableEntity)
	if !p.names("answers.landkreis") {
		t.Errorf("a registration right after a required question was added: fields %v, want answers.landkreis", p.fields())
	}

	if rec := h.do("POST", "/api/v1/events/"+e.Slug+"/cancel", token, ""); rec.Code != http.StatusOK {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
	}
	complete := strings.Replace(second, `"consent"`, `"answers": {"kommunentyp": "Die Optimierer", "landkreis": "Hannover"}, "consent"`, 1)
	complete = strings.Replace(complete, `"answers": {"kommunentyp": "Die Optimierer"}, `, "", 1)
	rec := h.do("POST", path, "", complete)
	var body struct {
		Code string `json:"code"`
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusConflict || body.Code != "cancelled" {
		t.Errorf("a registration right after the event was cancelled: %d %s, want 409 cancelled", rec.Code, rec.Body)
	}
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM registrations`)
	if n != 1 {
		t.Errorf("%d registrations stored, want the one before the changes", n)
	}
}
