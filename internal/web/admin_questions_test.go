package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// The registration questions are added, changed, moved and removed in the browser without
// JavaScript, within the domain's limits. Answers given are never dropped unnoticed: an answered
// question keeps its key and kind, and removing it or an option somebody chose needs a tick.
func TestQuestionsEditor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	session := h.login("orga@example.org", testPassword)
	base := "/admin/events/" + e.Slug + "/questions"
	questions := func() []event.Question {
		now, _ := event.BySlug(ctx, h.pool, e.Slug)
		return now.Questions
	}
	keys := func() []string {
		var out []string
		for _, q := range questions() {
			out = append(out, q.Key)
		}
		return out
	}
	form := func(action string) url.Values { return formValues(t, body(h.getPage(base, session)), action) }

	add := form(base)
	add.Set("label", "Wie groß ist Ihre Kommune?")
	add.Set("kind", "select")
	add.Set("options", "klein")
	res := h.postPage(base, add, session)
	page := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity ||
		fieldError(page, "q-new-options") != "Eine Auswahlfrage braucht 2 bis 50 Antwortmöglichkeiten, eine pro Zeile." ||
		formValues(t, page, base).Get("label") != "Wie groß ist Ihre Kommune?" {
		t.Errorf("one option: %d %q", res.StatusCode, fieldError(page, "q-new-options"))
	}
	add.Set("options", "klein\r\nmittel\r\n\r\ngroß")
	add.Set("required", "on")
	res = h.postPage(base, add, session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base+"?done=question.created#frage-wie_gross_ist_ihre_kommune" {
		t.Fatalf("add: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	newsletter := form(base)
	newsletter.Set("label", "Ich möchte über weitere Websessions informiert werden")
	newsletter.Set("kind", "checkbox")
	newsletter.Set("options", "wird nicht gebraucht")
	newsletter.Set("key", "newsletter")
	if res := h.postPage(base, newsletter, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a checkbox: %d", res.StatusCode)
	}
	qs := questions()
	if len(qs) != 3 || qs[1].Kind != event.KindSelect || !slices.Equal(qs[1].Options, []string{"klein", "mittel", "groß"}) || !qs[1].Required ||
		qs[2].Key != "newsletter" || len(qs[2].Options) != 0 {
		t.Fatalf("after adding: %+v", qs)
	}
	if res := h.postPage(base+"/wie_gross_ist_ihre_kommune/move", form(base+"/wie_gross_ist_ihre_kommune/move"), session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("move up: %d", res.StatusCode)
	}
	if got := keys(); !slices.Equal(got, []string{"wie_gross_ist_ihre_kommune", "kommunentyp", "newsletter"}) {
		t.Errorf("after moving up: %v", got)
	}
	page = body(h.getPage(base, session))
	down := formValuesNth(t, page, base+"/wie_gross_ist_ihre_kommune/move", 0)
	if down.Get("direction") != "down" {
		t.Fatalf("the first question can only move down: %v", down)
	}

	// Someone answers the Kommunentyp: it keeps its key and kind, and its chosen option stays
	// unless the organizer ticks that its answers may go from the lists.
	now, _ := event.BySlug(ctx, h.pool, e.Slug)
	if _, _, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), now, registration.Input{Name: "Erika Mustermann",
		Email: "erika@pattensen.example", Consent: true, Answers: map[string]json.RawMessage{
			"kommunentyp": json.RawMessage(`"Die Optimierer"`), "wie_gross_ist_ihre_kommune": json.RawMessage(`"klein"`)}}, h.now); err != nil {
		t.Fatal(err)
	}
	edit := form(base + "/kommunentyp")
	if !strings.Contains(body(h.getPage(base, session)), "1 Antworten bisher") {
		t.Error("the editor does not say the question was answered")
	}
	edit.Set("key", "typ")
	edit.Set("kind", "text")
	edit.Set("label", "Welcher Typ ist Ihre Kommune?")
	edit.Set("options", "Die Bedächtigen\nDie Serviceorientierten\nDie Community Manager")
	res = h.postPage(base+"/kommunentyp", edit, session)
	page = body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldError(page, "q-kommunentyp-options"), "1 Antworten nennen Möglichkeiten") ||
		!strings.Contains(page, `id="q-kommunentyp-confirm"`) {
		t.Errorf("hiding a chosen option: %d %q", res.StatusCode, fieldError(page, "q-kommunentyp-options"))
	}
	edit.Set("confirm", "on")
	if res := h.postPage(base+"/kommunentyp", edit, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the tick: %d %s", res.StatusCode, body(res))
	}
	qs = questions()
	if qs[1].Key != "kommunentyp" || qs[1].Kind != event.KindSelect || qs[1].Label != "Welcher Typ ist Ihre Kommune?" || len(qs[1].Options) != 3 {
		t.Errorf("the answered question after the change: %+v", qs[1])
	}

	remove := form(base + "/kommunentyp/delete")
	res = h.postPage(base+"/kommunentyp/delete", remove, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.HasPrefix(fieldError(page, "r-kommunentyp-confirm"), "1 Personen haben diese Frage beantwortet") {
		t.Errorf("removing an answered question without the tick: %d %q", res.StatusCode, fieldError(page, "r-kommunentyp-confirm"))
	}
	remove.Set("confirm", "on")
	if res := h.postPage(base+"/kommunentyp/delete", remove, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove with the tick: %d", res.StatusCode)
	}
	if got := keys(); !slices.Equal(got, []string{"wie_gross_ist_ihre_kommune", "newsletter"}) {
		t.Errorf("after removing: %v", got)
	}
	var stored string
	h.pool.Get(&stored, `SELECT answers->>'kommunentyp' FROM registrations`)
	if stored != "Die Optimierer" {
		t.Errorf("the answer to the removed question is %q, want it kept", stored)
	}

	// A form from before the last change is refused with what was typed.
	stale := add // filled before the questions above were added
	stale.Set("label", "Noch eine Frage")
	res = h.postPage(base, stale, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "inzwischen von jemand anderem geändert") ||
		formValues(t, page, base).Get("label") != "Noch eine Frage" {
		t.Errorf("a stale form: %d", res.StatusCode)
	}

	// At most event.MaxQuestions questions: then the editor says so and refuses more.
	full := event.InputOf(func() *event.Event { now, _ := event.BySlug(ctx, h.pool, e.Slug); return now }())
	for i := len(full.Questions); i < event.MaxQuestions; i++ {
		full.Questions = append(full.Questions, event.Question{Key: fmt.Sprintf("frage_%d", i), Label: "Frage", Kind: event.KindText})
	}
	now, _ = event.BySlug(ctx, h.pool, e.Slug)
	if _, err := registration.UpdateEvent(ctx, h.pool, now, full, h.now); err != nil {
		t.Fatal(err)
	}
	page = body(h.getPage(base, session))
	if !strings.Contains(page, "stellt schon 20 Fragen") || strings.Contains(page, `action="`+base+`"`) {
		t.Error("a full editor still offers to add")
	}
	more := formValues(t, page, base+"/newsletter")
	more.Set("label", "Eine einundzwanzigste")
	more.Set("kind", "text")
	res = h.postPage(base, more, session)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Bitte höchstens 20 Einträge.") || len(questions()) != 20 {
		t.Errorf("a 21st question: %d", res.StatusCode)
	}
}

// formValuesNth is formValues for the n-th of several forms with the same action.
func formValuesNth(t *testing.T, page, action string, n int) url.Values {
	t.Helper()
	for range n {
		i := strings.Index(page, `action="`+action+`"`)
		if i < 0 {
			t.Fatalf("no form %d to %s", n, action)
		}
		page = page[i+1:]
	}
	return formValues(t, page, action)
}
