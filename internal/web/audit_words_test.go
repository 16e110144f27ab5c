package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// The dashboards say in words what happened, when on the clocks of the event's time zone, and to
// what; the API lists the same entries with their codes.
func TestAuditLogSaysWhatHappened(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	_, admin := h.user("admin@example.org", "admin")
	orga := h.login("orga@example.org", testPassword)
	base, api := "/events/"+demo.FollowUpSlug, "/api/v1/events/"+demo.FollowUpSlug
	registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)

	participant := cookie(h.getPage(base+"/questions"), "podium_participant")
	h.postPage(base+"/questions", url.Values{"text": {"Wie fangen wir an?"}}, participant)
	var question, registration string
	h.pool.Get(&question, `SELECT id::text FROM questions`)
	h.pool.Get(&registration, `SELECT id::text FROM registrations`)
	if res := h.postPage(base+"/moderate/"+question, url.Values{"action": {"approve"}}, orga); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if rec := h.do("PATCH", api+"/questions/"+question, admin, `{"highlighted": true, "answered": true}`); rec.Code != http.StatusOK {
		t.Fatalf("highlight: %d", rec.Code)
	}
	if res := h.getPage(api+"/attendees.xlsx?lang=de&status=all", orga); res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	if res := h.postPage("/admin/events/"+demo.FollowUpSlug+"/registrations/"+registration, url.Values{"attended": {"yes"}}, orga); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("attended: %d", res.StatusCode)
	}
	ny := decode[eventBody](t, h.do("POST", "/api/v1/events", admin, strings.Replace(validEvent, "Europe/Berlin", "America/New_York", 1)))

	var approvedAt, createdAt time.Time
	h.pool.Get(&approvedAt, `SELECT at FROM audit_log WHERE action = 'question.moderated' ORDER BY id LIMIT 1`)
	h.pool.Get(&createdAt, `SELECT at FROM audit_log WHERE action = 'event.created'`)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	row := func(at time.Time, zone *time.Location, what, about string) string {
		return `<td><time datetime="` + at.UTC().Format(time.RFC3339) + `">` + at.In(zone).Format("02.01.2006, 15:04") + ` Uhr</time></td>` +
			`<td>` + what + `</td><td>` + about + `</td>`
	}
	page := body(h.getPage("/admin/events/"+demo.FollowUpSlug, orga))
	for _, want := range []string{
		row(approvedAt, berlin, "orga@example.org</td><td>Frage freigegeben", "Frage Nr. "+question),
		"<td>Frage hervorgehoben; Frage als beantwortet markiert</td><td>Frage Nr. " + question + "</td>",
		"<td>Teilnehmerliste heruntergeladen</td><td>Anmeldungen: Alle, deutsche Spaltennamen, Excel-Datei</td>",
		"<td>Teilnahme vermerkt</td><td>Anmeldung Nr. " + registration + "</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the event's log lacks %s", want)
		}
	}
	for _, code := range []string{"question.moderated", "attendees.exported", "change=", "status=all"} {
		if strings.Contains(page, code) {
			t.Errorf("the event's log shows the code %q", code)
		}
	}

	// A failed mail is listed by what it is, not by its kind's code.
	h.pool.MustExec(`UPDATE outbox SET status = 'failed', attempts = 10, last_error = '550 mailbox unavailable'`)
	var kind string
	h.pool.Get(&kind, `SELECT kind FROM outbox LIMIT 1`)
	failed := body(h.getPage("/admin/events/"+demo.FollowUpSlug, orga))
	if !strings.Contains(failed, "<td>erika@pattensen.example</td><td>Bitte um Bestätigung</td><td>550 mailbox unavailable</td>") || kind != "confirm" {
		t.Errorf("the failed %s mail is not listed in words", kind)
	}

	// The admin's list of all events names each entry's event and uses its zone.
	eventUser(t, h.pool, 0, "chefin@example.org", "")
	h.pool.MustExec(`UPDATE users SET role = 'admin' WHERE email = 'chefin@example.org'`)
	overview := body(h.getPage("/admin", h.login("chefin@example.org", testPassword)))
	if want := row(createdAt, newYork, "admin@example.org</td><td>Veranstaltung angelegt", ny.Slug); !strings.Contains(overview, want) {
		t.Errorf("the admin's log lacks %s", want)
	}
	if want := "<td>Frage freigegeben</td><td>" + demo.FollowUpSlug + ", Frage Nr. " + question + "</td>"; !strings.Contains(overview, want) {
		t.Errorf("the admin's log lacks %s", want)
	}

	// The API keeps the codes, with what exactly was changed.
	log := decode[struct {
		Items []struct{ Action, Detail string } `json:"items"`
	}](t, h.do("GET", api+"/audit", admin, ""))
	var details []string
	for _, it := range log.Items {
		details = append(details, it.Action+" "+it.Detail)
	}
	for _, want := range []string{
		"question.moderated " + demo.FollowUpSlug + " id=" + question + " change=approved",
		"question.moderated " + demo.FollowUpSlug + " id=" + question + " change=highlighted,answered",
		"attendees.exported " + demo.FollowUpSlug + " status=all lang=de format=xlsx",
		"registration.changed " + demo.FollowUpSlug + " id=" + registration + " change=attended",
	} {
		if !strings.Contains(strings.Join(details, "\n"), want) {
			t.Errorf("the API's log lacks %q:\n%s", want, strings.Join(details, "\n"))
		}
	}
}
