package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/calendar/icaltest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
)

// registerAt registers someone for the event as if it were at, and returns the manage token.
func registerAt(t *testing.T, h *harness, slug, email string, at time.Time) string {
	t.Helper()
	e, err := event.BySlug(context.Background(), h.pool, slug)
	if err != nil {
		t.Fatal(err)
	}
	in := registration.Input{Name: "Erika Mustermann", Email: email, Consent: true,
		Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)}}
	_, token, err := registration.Register(context.Background(), h.pool, auth.ManageKey(harnessSecret), e, in, at)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func expectCalendar(t *testing.T, rec interface {
	Result() *http.Response
}, method string) {
	t.Helper()
	res := rec.Result()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/calendar; charset=utf-8; method="+method {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// The demo websession as calendars see it: the personal invite of someone who registered in
// 2020 and the public download both start at 2020-10-29T16:00Z, 17:00 in Berlin; only the invite
// names the attendee and the join link, and neither carries the manage link.
func TestDemoWebsessionCalendars(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	token := registerAt(t, h, demo.WebsessionSlug, "erika@pattensen.example", time.Date(2020, 10, 20, 9, 0, 0, 0, time.UTC))
	h.pool.MustExec(`UPDATE registrations SET status = 'confirmed', confirmed_at = now()`)

	rec := h.do("GET", "/api/v1/registrations/"+token+"/invite.ics", "", "")
	expectCalendar(t, rec, "REQUEST")
	if rec.Header().Get("Cache-Control") != "no-store" || strings.Contains(rec.Body.String(), token) {
		t.Error("the invite may be cached or carries the manage token")
	}
	invite := icaltest.Parse(t, rec.Body.Bytes())
	ev := invite.Events[0]
	if ev.Start != "2020-10-29T16:00:00.000Z" || ev.Zone != "Europe/Berlin" || ev.Offset != 3600 || ev.Summary != "Digitale Kommune: Eine Typfrage?" {
		t.Errorf("invite: %s %s %d %q", ev.Start, ev.Zone, ev.Offset, ev.Summary)
	}
	if len(ev.Attendees) != 1 || ev.Attendees[0].Address != "mailto:erika@pattensen.example" || ev.Location != "Online (Websession)" {
		t.Errorf("invite attendees %+v location %q", ev.Attendees, ev.Location)
	}
	if !strings.Contains(ev.Description, "Ablauf:") {
		t.Errorf("the description lacks the agenda: %q", ev.Description)
	}

	rec = h.do("GET", "/events/"+demo.WebsessionSlug+".ics", "", "")
	expectCalendar(t, rec, "PUBLISH")
	public := icaltest.Parse(t, rec.Body.Bytes()).Events[0]
	if public.UID != ev.UID || public.Start != ev.Start || len(public.Attendees) != 0 {
		t.Errorf("public: uid %q start %s attendees %v location %q", public.UID, public.Start, public.Attendees, public.Location)
	}
	if !strings.Contains(rec.Header().Get("Content-Disposition"), demo.WebsessionSlug+".ics") {
		t.Errorf("Content-Disposition %q", rec.Header().Get("Content-Disposition"))
	}
}

// The feed holds every published event, past and upcoming, and no draft; the event page links
// the download and the webcal subscription.
func TestFeedAndEventPageLinks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, organizer := h.user("orga@example.org", "organizer")
	draft := `{"title":"Interne Planung","starts_at":"2027-02-01T09:00:00Z","ends_at":"2027-02-01T10:00:00Z","organizer_name":"ÖFIT","organizer_email":"oefit@example.org"}`
	if rec := h.do("POST", "/api/v1/events", organizer, draft); rec.Code != http.StatusCreated {
		t.Fatalf("draft: %d %s", rec.Code, rec.Body)
	}

	rec := h.do("GET", "/events.ics", "", "")
	expectCalendar(t, rec, "PUBLISH")
	feed := icaltest.Parse(t, rec.Body.Bytes())
	titles := map[string]bool{}
	for _, ev := range feed.Events {
		titles[ev.Summary] = true
	}
	if len(feed.Events) != 2 || !titles["Digitale Kommune: Eine Typfrage?"] || !titles["Digitale Kommune: Vom Typ zur Tat"] {
		t.Errorf("feed events %v", titles)
	}
	if len(feed.Timezones) != 1 || feed.Timezones[0] != "Europe/Berlin" {
		t.Errorf("feed time zones %v", feed.Timezones)
	}

	page := h.do("GET", "/events/"+demo.FollowUpSlug, "", "").Body.String()
	for _, link := range []string{`href="/events/` + demo.FollowUpSlug + `.ics"`, `href="webcal://podium.test/events.ics"`} {
		if !strings.Contains(page, link) {
			t.Errorf("the event page lacks %s", link)
		}
	}
	if rec := h.do("GET", "/events/no-such-event.ics", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown event's calendar: %d", rec.Code)
	}
}

// Only a confirmed registration has an invite; the manage page offers it then, with the join link.
func TestInviteNeedsASeat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	token := registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)

	rec := h.do("GET", "/api/v1/registrations/"+token+"/invite.ics", "", "")
	if p := expectProblem(t, rec, http.StatusConflict); !strings.Contains(p.Detail, "confirmed") {
		t.Errorf("problem %+v", p)
	}
	if page := h.do("GET", "/r/"+token, "", "").Body.String(); strings.Contains(page, "invite.ics") {
		t.Error("the manage page offers an invite before confirmation")
	}

	if rec := h.do("POST", "/api/v1/registrations/"+token+"/confirm", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	join := personalJoinLink(t, h, token)
	rec = h.do("GET", "/api/v1/registrations/"+token+"/invite.ics", "", "")
	expectCalendar(t, rec, "REQUEST")
	if ev := icaltest.Parse(t, rec.Body.Bytes()).Events[0]; ev.Location != join || strings.Contains(rec.Body.String(), "konferenz.") {
		t.Errorf("the invite's location is %q, want the personal join link and never the meeting's", ev.Location)
	}
	if public := h.do("GET", "/events/"+demo.FollowUpSlug+".ics", "", "").Body.String(); strings.Contains(public, "konferenz.") {
		t.Error("the public calendar carries the join link")
	}
	page := h.do("GET", "/r/"+token, "", "").Body.String()
	if !strings.Contains(page, `href="/api/v1/registrations/`+token+`/invite.ics"`) || !strings.Contains(page, strings.TrimPrefix(join, "http://podium.test")) {
		t.Error("the manage page of a confirmed attendee lacks the invite or the join link")
	}
}

// Moving a published event through the API raises its revision and queues one update per
// pending or confirmed attendee, and new reminders; a change of title alone does neither.
func TestMovingAnEventQueuesUpdates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, token := h.user("admin@example.org", "admin")
	registerAt(t, h, demo.FollowUpSlug, "a@example.org", h.now)
	confirmed := registerAt(t, h, demo.FollowUpSlug, "b@example.org", h.now)
	if rec := h.do("POST", "/api/v1/registrations/"+confirmed+"/confirm", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("confirm: %d", rec.Code)
	}
	count := func(kind string) (n int) {
		h.pool.Get(&n, `SELECT count(*) FROM outbox WHERE kind = $1 AND status = 'queued'`, kind)
		return n
	}
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)

	rec := h.do("PATCH", "/api/v1/events/"+demo.FollowUpSlug, token, `{"title":"Digitale Kommune: Vom Typ zur Tat!"}`)
	if rec.Code != http.StatusOK || decode[eventBody](t, rec).Revision != e.Revision || count("updated") != 0 {
		t.Fatalf("title change: %d revision %d, %d updates", rec.Code, decode[eventBody](t, rec).Revision, count("updated"))
	}
	later := e.StartsAt.Add(24 * time.Hour)
	body := `{"starts_at":"` + later.Format(time.RFC3339) + `","ends_at":"` + later.Add(90*time.Minute).Format(time.RFC3339) + `"}`
	rec = h.do("PATCH", "/api/v1/events/"+demo.FollowUpSlug, token, body)
	if rec.Code != http.StatusOK || decode[eventBody](t, rec).Revision != e.Revision+1 {
		t.Fatalf("move: %d %s", rec.Code, rec.Body)
	}
	if n := count("updated"); n != 2 {
		t.Errorf("%d updates queued, want 2 (pending and confirmed)", n)
	}
	// The reminders are queued for the new time when its moments come near.
	if _, err := (reminder.Queuer{DB: h.pool}).QueueDue(context.Background(), later.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var first time.Time
	h.pool.Get(&first, `SELECT min(due_at) FROM outbox WHERE kind = 'reminder' AND status = 'queued'`)
	if !first.Equal(later.Add(-24 * time.Hour)) {
		t.Errorf("first reminder due %s, want a day before the new start %s", first, later)
	}
}
