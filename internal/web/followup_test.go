package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// After the websession the organizer sends the one mail to everyone who attended: it links the
// certificate and the survey and shows the Kommunentyp poll's results. The attendee answers the
// survey once; the organizer sees the answer counted, without a name, on the dashboard, through
// the API and as CSV.
func TestMailAfterTheEventAndItsSurvey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	smtp := mailtest.Start(t)
	w := h.mailWorker(smtp)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	came := registerAt(t, h, demo.WebsessionSlug, "juergen@wesel.example", e.StartsAt.AddDate(0, 0, -7))
	absent := registerAt(t, h, demo.WebsessionSlug, "erika@pattensen.example", e.StartsAt.AddDate(0, 0, -7))
	_, admin := h.user("admin@example.org", "admin")
	send := func(body string) *http.Response {
		return h.do("POST", "/api/v1/events/"+demo.WebsessionSlug+"/followup", admin, body).Result()
	}
	all := `{"certificates": true, "poll_results": true, "feedback": true, "questions": [
		{"label": "Wie hilfreich war das Impulsreferat?", "kind": "rating"},
		{"label": "Welches Thema wünschen Sie sich als Nächstes?", "kind": "text"}]}`

	if res := send(all); res.StatusCode != http.StatusConflict {
		t.Errorf("with nobody marked attended: %d", res.StatusCode)
	}
	h.pool.MustExec(`UPDATE registrations SET attended = true WHERE email = 'juergen@wesel.example'`)
	if p := expectProblem(t, h.do("POST", "/api/v1/events/"+demo.WebsessionSlug+"/followup", admin, `{}`), http.StatusUnprocessableEntity); !p.names("certificates") {
		t.Errorf("nothing chosen: %+v", p)
	}
	for body, field := range map[string]string{
		`{"feedback": true, "questions": [{"label": "Wie war es?", "kind": "stars"}]}`:                                                          "questions[0].kind",
		`{"feedback": true, "questions": [{"label": "", "kind": "text"}]}`:                                                                      "questions[0].label",
		`{"certificates": true, "questions": [{"label": "Wie war es?", "kind": "text"}]}`:                                                       "questions",
		`{"feedback": true, "questions": [` + strings.Repeat(`{"label": "Frage", "kind": "text"},`, 5) + `{"label": "Frage", "kind": "text"}]}`: "questions",
	} {
		if p := expectProblem(t, h.do("POST", "/api/v1/events/"+demo.WebsessionSlug+"/followup", admin, body), http.StatusUnprocessableEntity); !p.names(field) {
			t.Errorf("%s: %+v, want %s named", body, p, field)
		}
	}
	if res := h.do("POST", "/api/v1/events/"+demo.FollowUpSlug+"/followup", admin, all); res.Code != http.StatusConflict {
		t.Errorf("an event still to come: %d", res.Code)
	}
	if res := h.do("GET", "/r/"+came+"/feedback", "", ""); res.Code != http.StatusConflict {
		t.Errorf("the survey before it was sent: %d", res.Code)
	}
	res := send(all)
	var sent struct{ Recipients int }
	json.NewDecoder(res.Body).Decode(&sent)
	if res.StatusCode != http.StatusAccepted || sent.Recipients != 1 {
		t.Fatalf("send: %d, %d recipients", res.StatusCode, sent.Recipients)
	}
	if res := send(all); res.StatusCode != http.StatusConflict {
		t.Errorf("sent twice: %d", res.StatusCode)
	}

	sendAll(t, w)
	var after []string
	for _, m := range smtp.Messages() {
		if text := plainText(t, m.Data); strings.Contains(text, "vielen Dank, dass Sie am") {
			after = append(after, text)
			if m.To[0] != "juergen@wesel.example" {
				t.Errorf("the mail after the event went to %s, who did not attend", m.To[0])
			}
		}
	}
	if len(after) != 1 {
		t.Fatalf("%d mails after the event, want 1", len(after))
	}
	for _, want := range []string{"http://podium.test/r/" + came + "/certificate.pdf", "http://podium.test/r/" + came + "/feedback",
		"Ergebnisse der Live-Umfragen", "Welcher Kommunentyp ist Ihre Kommune?", "Die Optimierer: 58 (34 %)", "n = 169"} {
		if !strings.Contains(after[0], want) {
			t.Errorf("the mail lacks %q:\n%s", want, after[0])
		}
	}

	if res := h.do("GET", "/r/"+absent+"/feedback", "", ""); res.Code != http.StatusConflict {
		t.Errorf("the survey for someone who did not attend: %d", res.Code)
	}
	if page := h.do("GET", "/r/"+came, "", "").Body.String(); !strings.Contains(page, `href="/r/`+came+`/feedback"`) {
		t.Error("the attendee's page does not link the survey")
	}
	if rec := h.postForm("/r/"+came+"/feedback", url.Values{"rating": {"0"}, "takeaway": {"Mut"}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Bitte wählen Sie eine Bewertung von 1 bis 5.") || !strings.Contains(rec.Body.String(), ">Mut</textarea>") {
		t.Errorf("no rating: %d", rec.Code)
	}
	if rec := h.postForm("/r/"+came+"/feedback", url.Values{"rating": {"4"}, "takeaway": {strings.Repeat("ä", 2001)}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "höchstens 2.000 Zeichen") {
		t.Errorf("a takeaway of 2,001 characters: %d", rec.Code)
	}
	if rec := h.postForm("/r/"+came+"/feedback", url.Values{"rating": {"4"}, "q1": {"9"}, "q2": {"Förderprogramme"}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Bitte wählen Sie 1 bis 5") || !strings.Contains(rec.Body.String(), ">Förderprogramme</textarea>") {
		t.Errorf("a rating of 9: %d", rec.Code)
	}
	if rec := h.postForm("/r/"+came+"/feedback", url.Values{"rating": {"4"}, "takeaway": {"=Mehr Mut zur Digitalisierung"},
		"q1": {"5"}, "q2": {"Förderprogramme"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", rec.Code)
	}
	if page := h.do("GET", "/r/"+came+"/feedback", "", "").Body.String(); !strings.Contains(page, "Vielen Dank für Ihre Antwort.") {
		t.Error("the survey does not thank after the answer")
	}
	if data := h.do("GET", "/r/"+came+"/data", "", "").Body.String(); !strings.Contains(data, `"feedback_given": true`) || strings.Contains(data, "Mehr Mut") {
		t.Errorf("the attendee's data does not say they answered, or shows the answer:\n%s", data)
	}
	if rec := h.postForm("/r/"+came+"/feedback", url.Values{"rating": {"1"}}); rec.Code != http.StatusConflict {
		t.Errorf("a second answer: %d", rec.Code)
	}

	var summary struct {
		Answers, Asked int
		Ratings        [5]int
		Takeaways      []string
		Questions      []struct {
			Label   string
			Ratings *[5]int
			Texts   []string
		}
	}
	json.Unmarshal(h.do("GET", "/api/v1/events/"+demo.WebsessionSlug+"/feedback", admin, "").Body.Bytes(), &summary)
	if summary.Answers != 1 || summary.Asked != 1 || summary.Ratings != [5]int{0, 0, 0, 1, 0} || len(summary.Takeaways) != 1 {
		t.Errorf("summary: %+v", summary)
	}
	if q := summary.Questions; len(q) != 2 || q[0].Ratings == nil || *q[0].Ratings != [5]int{0, 0, 0, 0, 1} ||
		len(q[1].Texts) != 1 || q[1].Texts[0] != "Förderprogramme" {
		t.Errorf("the organizer's questions: %+v", q)
	}
	csv := h.do("GET", "/api/v1/events/"+demo.WebsessionSlug+"/feedback.csv", admin, "").Body.String()
	if !strings.Contains(csv, "Gesamtbewertung (1–5),4,1") || !strings.Contains(csv, "'=Mehr Mut zur Digitalisierung") ||
		!strings.Contains(csv, "Wie hilfreich war das Impulsreferat? (1–5),5,1") || !strings.Contains(csv, "Welches Thema wünschen Sie sich als Nächstes?,Förderprogramme,1") {
		t.Errorf("CSV:\n%s", csv)
	}
	var columns []string
	h.pool.Select(&columns, `SELECT column_name FROM information_schema.columns WHERE table_name = 'feedback'`)
	for _, c := range columns {
		if strings.Contains(c, "registration") || strings.Contains(c, "_at") {
			t.Errorf("an answer keeps %s, which could tie it to a person", c)
		}
	}

	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	session := h.login("orga@example.org", testPassword)
	dashboard, _ := io.ReadAll(h.getPage("/admin/events/"+demo.WebsessionSlug, session).Body)
	for _, want := range []string{"Nach der Veranstaltung", "an 1 Teilnehmende gesendet", "1 von 1 Befragten haben geantwortet.",
		"=Mehr Mut zur Digitalisierung", `role="img" aria-label="Wie bewerten Sie die Veranstaltung insgesamt?"`,
		`aria-label="Wie hilfreich war das Impulsreferat?"`, "<li class=\"kern-body\">Förderprogramme</li>"} {
		if !strings.Contains(string(dashboard), want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(string(dashboard), `action="/admin/events/`+demo.WebsessionSlug+`/followup"`) {
		t.Error("the dashboard offers to send the mail again")
	}
	again := h.postPage("/admin/events/"+demo.WebsessionSlug+"/followup", url.Values{"feedback": {"on"}}, session)
	body, _ := io.ReadAll(again.Body)
	if again.StatusCode != http.StatusConflict || !strings.Contains(string(body), "Die Nachricht nach dieser Veranstaltung ist schon verschickt.") {
		t.Errorf("sending again from the dashboard: %d, not the German reason", again.StatusCode)
	}
}
