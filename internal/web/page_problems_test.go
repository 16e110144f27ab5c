package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// What the API answers with 409 or 422, a page says in German, in place, with the status the
// API gives: never the English message meant for developers, never a 500. The API names each
// conflict by its code, also when no field is at fault.
func TestPagesSayConflictsAndProblemsInGerman(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	_, admin := h.user("admin@example.org", "admin")
	orga := h.login("orga@example.org", testPassword)
	base, dash := "/events/"+demo.FollowUpSlug, "/admin/events/"+demo.FollowUpSlug
	api := "/api/v1" + base

	// says checks a page's status and that it shows want and none of the English messages.
	says := func(what string, res *http.Response, status int, want string, english ...string) {
		t.Helper()
		page := body(res)
		if res.StatusCode != status || !strings.Contains(page, want) {
			t.Errorf("%s: %d, want %d with %q", what, res.StatusCode, status, want)
		}
		for _, en := range english {
			if strings.Contains(page, en) {
				t.Errorf("%s: the page shows the English %q", what, en)
			}
		}
	}

	participant := cookie(h.getPage(base+"/questions"), "podium_participant")
	if res := h.postPage(base+"/questions", url.Values{"text": {"Wie fangen wir an?"}}, participant); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask: %d", res.StatusCode)
	}
	var question string
	h.pool.Get(&question, `SELECT id::text FROM questions`)
	poll := decode[struct{ ID int64 }](t, h.do("POST", api+"/polls", admin, `{"kind": "single", "question": "Welcher Typ?", "options": ["A", "B"]}`))
	pollPath := api + "/polls/" + itoa(poll.ID)
	if rec := h.do("PATCH", pollPath, admin, `{"state": "open"}`); rec.Code != http.StatusOK {
		t.Fatalf("open the poll: %d %s", rec.Code, rec.Body)
	}

	says("highlighting a pending question", h.postPage(base+"/moderate/"+question, url.Values{"action": {"highlight"}}, orga),
		http.StatusConflict, "Nur eine freigegebene Frage kann hervorgehoben werden.", "only an approved question")
	says("a poll with one option", h.postPage(base+"/moderate/polls", url.Values{"kind": {"single"}, "question": {"Ja?"}, "options": {"Ja"}}, orga),
		http.StatusUnprocessableEntity, "Antwortmöglichkeiten: Bitte 2 bis 10 Einträge angeben.", "must list")
	edit := url.Values{"title": {"Digitale Kommune"}, "capacity": {"viele"}}
	says("a bad edit", h.postPage(dash+"/edit", edit, orga), http.StatusUnprocessableEntity,
		"Bitte eine ganze Zahl angeben, oder leer lassen für unbegrenzt.", "must be a whole number", "capacity:")
	says("cancelling without the tick", h.postPage(dash+"/cancel", nil, orga), http.StatusUnprocessableEntity,
		"Bitte bestätigen Sie die Absage mit dem Haken.", "tick the box")
	says("giving a role to a malformed address", h.postPage(dash+"/members", url.Values{"email": {"kein at"}, "role": {"moderator"}}, orga),
		http.StatusUnprocessableEntity, "E-Mail-Adresse: Bitte eine E-Mail-Adresse wie veranstaltung@example.org angeben", "must be a plain email address")
	says("retrying a mail that did not fail", h.postPage(dash+"/mail/1/retry", nil, orga), http.StatusConflict,
		"Erneut senden lässt sich nur eine fehlgeschlagene E-Mail", "only a failed message")

	if res := h.postPage(dash+"/cancel", url.Values{"confirm": {"on"}}, orga); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	says("asking on the cancelled event's page", h.postPage(base+"/questions", url.Values{"text": {"Und jetzt?"}}, participant),
		http.StatusConflict, "Fragen lassen sich nur zu einer veröffentlichten Veranstaltung stellen", "questions can be asked only")
	says("answering a poll of the cancelled event", h.postPage(base+"/polls/"+itoa(poll.ID)+"/answer", url.Values{"option": {"1"}}, participant),
		http.StatusConflict, "Umfragen lassen sich nur bei einer veröffentlichten Veranstaltung beantworten", "polls can be answered only")
	says("moving the cancelled event", h.postPage(dash+"/edit", url.Values{"starts_at": {"2027-01-01T17:00"}, "ends_at": {"2027-01-01T18:00"}}, orga),
		http.StatusConflict, "Die Veranstaltung ist abgesagt und lässt sich nicht mehr ändern.", "can no longer be changed")
	says("voting on the cancelled event's page", h.postPage(base+"/questions/"+question+"/vote", url.Values{"vote": {"add"}}, participant),
		http.StatusConflict, "Abstimmen lässt sich nur bei einer veröffentlichten Veranstaltung", "votes count only")
	h.pool.MustExec(`DELETE FROM questions WHERE id = $1`, question)
	says("moderating a deleted question", h.postPage(base+"/moderate/"+question, url.Values{"action": {"approve"}}, orga),
		http.StatusNotFound, "Diese Frage gibt es nicht mehr.")

	// The API answers the same with the conflict's code beside its English message.
	rec := h.sendJSON("POST", api+"/questions", `{"text": "Und jetzt?"}`, participant)
	expectProblem(t, rec, http.StatusConflict)
	var p struct {
		Code, Detail string
		Errors       []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != "questions_closed" || p.Detail != "questions can be asked only for a published event" || p.Errors != nil {
		t.Errorf("the API's conflict: %s", rec.Body)
	}
	rec = h.do("POST", api+"/polls", admin, `{"kind": "single", "question": "Noch eine?", "options": ["A", "A"]}`)
	if !regexp.MustCompile(`"field":"options\[1\]","code":"duplicate","message":"is listed twice"`).Match(rec.Body.Bytes()) {
		t.Errorf("a field's problem in the API: %s", rec.Body)
	}
}
