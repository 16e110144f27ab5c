package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
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

// A vote reads its event from a copy up to a second old, and still obeys a cancellation made a
// moment ago by another process: 409 votes_closed, and nothing counted.
func TestAVoteAMomentAfterTheEventWasCancelledCountsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	id := approvedQuestion(t, h)
	visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant") // the copy is read now
	api := fmt.Sprintf("/api/v1/events/%s/questions/%d/vote", demo.FollowUpSlug, id)
	if res := h.send(httptest.NewRequest("POST", api, nil), visit); res.StatusCode != http.StatusOK {
		t.Fatalf("vote while published: %d", res.StatusCode)
	}

	// Another process cancels it: this one's copy still says published.
	if _, err := h.pool.Exec(`UPDATE events SET status = 'cancelled' WHERE slug = $1`, demo.FollowUpSlug); err != nil {
		t.Fatal(err)
	}
	second := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	res := h.send(httptest.NewRequest("POST", api, nil), second)
	var p struct {
		Code string `json:"code"`
	}
	json.NewDecoder(res.Body).Decode(&p)
	if res.StatusCode != http.StatusConflict || p.Code != "votes_closed" {
		t.Errorf("a vote right after the cancellation: %d %q, want 409 votes_closed", res.StatusCode, p.Code)
	}
	var votes int
	h.pool.Get(&votes, `SELECT votes FROM questions WHERE id = $1`, id)
	if votes != 1 {
		t.Errorf("%d votes counted, want the one before the cancellation", votes)
	}
}
