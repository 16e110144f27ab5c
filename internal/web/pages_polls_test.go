package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// A poll run without JavaScript: an organizer prepares it on the moderation page (a bad form
// keeps what was typed), opens it, the audience answers through the form, the results appear
// on the audience page and large on the presenter screen, as text that stays text.
func TestPollPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	eventUser(t, h.pool, e.ID, "moderation@example.org", auth.EventModerator)
	base := "/events/" + demo.FollowUpSlug
	orga := h.login("orga@example.org", testPassword)
	mod := h.login("moderation@example.org", testPassword)

	if page := body(h.getPage(base+"/moderate", mod)); strings.Contains(page, "Umfrage vorbereiten") || !strings.Contains(page, "Umfragen") {
		t.Error("a moderator is offered the organizer's form, or no polls section")
	}
	res := h.postPage(base+"/moderate/polls", url.Values{"kind": {"single"}, "question": {"<b>Typ?</b>"}, "options": {"Nur eine"}}, orga)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Antwortmöglichkeiten: Bitte 2 bis 10 Einträge angeben.") || !strings.Contains(page, "Nur eine") {
		t.Fatalf("a poll with one option: %d", res.StatusCode)
	}
	res = h.postPage(base+"/moderate/polls", url.Values{"kind": {"single"}, "question": {"<b>Welcher Kommunentyp?</b>"},
		"options": {"Die Bedächtigen\r\nDie Optimierer\r\n\r\nDie Serviceorientierten\r\nDie Community Manager"}}, orga)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", res.StatusCode, body(res))
	}
	id := regexp.MustCompile(`umfrage-(\d+)`).FindStringSubmatch(res.Header.Get("Location"))[1]
	if page := body(h.getPage(base + "/questions")); strings.Contains(page, "Welcher Kommunentyp") {
		t.Error("the audience sees a prepared poll")
	}
	for _, action := range []string{"open", "show", "present"} {
		if res := h.postPage(base+"/moderate/polls/"+id, url.Values{"action": {action}}, mod); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", action, res.StatusCode)
		}
	}
	// A newcomer's page may be a second old (see audienceCache), and the harness's clock stands
	// still: the person reads the page with their cookie.
	person := cookie(h.getPage(base+"/questions"), "podium_participant")
	page := body(h.getPage(base+"/questions", person))
	if !strings.Contains(page, "&lt;b&gt;Welcher Kommunentyp?&lt;/b&gt;") || !strings.Contains(page, `name="option"`) || strings.Contains(page, "<b>Welcher") {
		t.Fatal("the audience page does not show the open poll's form, with its question as text")
	}
	if res := h.postPage(base+"/polls/"+id+"/answer", url.Values{}, person); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), "Bitte wählen Sie eine Antwort") {
		t.Errorf("an empty answer: %d", res.StatusCode)
	}
	res = h.postPage(base+"/polls/"+id+"/answer", url.Values{"option": {"1"}}, person)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.StatusCode)
	}
	page = body(h.getPage(res.Header.Get("Location"), person))
	if !strings.Contains(page, "Ihre Antwort ist gespeichert") || !strings.Contains(page, `value="1" checked`) || !strings.Contains(page, "Antwort ändern") {
		t.Error("after answering, the page does not show the answer as saved and chosen")
	}
	if !strings.Contains(page, "<td>1</td><td>100 %</td>") || !strings.Contains(page, "1 Teilnahme") || !strings.Contains(page, "<svg class=\"podium-bars__bar\"") {
		t.Error("the audience page does not show the visible results as bars and a table")
	}
	present := body(h.getPage(base + "/present"))
	if !strings.Contains(present, "podium-present--poll") || !strings.Contains(present, "&lt;b&gt;Welcher Kommunentyp?&lt;/b&gt;") || !strings.Contains(present, "<td>1</td><td>100 %</td>") {
		t.Error("the presenter screen does not show the poll with its results")
	}
	if res := h.postPage(base+"/moderate/polls/"+id, url.Values{"action": {"close"}}, mod); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", res.StatusCode)
	}
	if res := h.postPage(base+"/polls/"+id+"/answer", url.Values{"option": {"2"}}, person); res.StatusCode != http.StatusConflict || !strings.Contains(body(res), "nicht geöffnet") {
		t.Errorf("an answer to a closed poll: %d", res.StatusCode)
	}
	if page := body(h.getPage(base+"/questions", person)); !strings.Contains(page, "Diese Umfrage ist beendet.") {
		t.Error("the closed poll is not marked as closed")
	}
	if page := body(h.getPage(base+"/moderate?lang=en", mod)); !strings.Contains(page, "Closed") || !strings.Contains(page, "Take off presenter screen") {
		t.Error("the English moderation page does not show the poll's state and actions")
	}
}
