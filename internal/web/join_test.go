package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/calendar/icaltest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// joinEvent creates the published online event of validEvent, 17:00–18:30 Berlin time on
// 4 March 2027, without double opt-in and with capacity seats, and returns its slug and the
// organizer's API token.
func joinEvent(t *testing.T, h *harness, capacity int) (slug, orga string) {
	t.Helper()
	_, orga = h.user("orga@example.org", auth.RoleOrganizer)
	body := strings.Replace(validEvent, `"status"`, `"double_opt_in": false, "capacity": `+strconv.Itoa(capacity)+`, "online_url": "`+secretRoom+`", "status"`, 1)
	rec := h.do("POST", "/api/v1/events", orga, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	return decode[eventBody](t, rec).Slug, orga
}

// seat registers email for the event (it takes a seat, or the waitlist when full) and returns
// the manage token and the path of the personal join link.
func seat(t *testing.T, h *harness, slug, email string) (manage, join string) {
	t.Helper()
	ctx := context.Background()
	e, err := event.BySlug(ctx, h.pool, slug)
	if err != nil {
		t.Fatal(err)
	}
	r, token, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), e,
		registration.Input{Name: "Erika Mustermann", Email: email, Consent: true}, h.now)
	if err != nil {
		t.Fatal(err)
	}
	return token, "/r/" + registration.JoinToken(auth.ManageKey(harnessSecret), r) + "/join"
}

// joinsOf reads what the database holds of a registration's joins.
func joinsOf(t *testing.T, h *harness, manage string) (attended bool, joins []time.Time) {
	t.Helper()
	ctx := context.Background()
	r, err := registration.ByToken(ctx, h.pool, manage)
	if err != nil {
		t.Fatal(err)
	}
	if joins, err = registration.JoinTimes(ctx, h.pool, r.ID); err != nil {
		t.Fatal(err)
	}
	return r.Attended, joins
}

// The personal link leads into the meeting (303) from 15 minutes before the start until the end,
// and records each join and the attendance; before, it says in German when the room opens, in
// the event's zone, with the calendar link; after, that the event is over. Its pages are private.
func TestJoinLinkWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	slug, orga := joinEvent(t, h, 10)
	manage, join := seat(t, h, slug, "erika@pattensen.example")
	start := time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC) // 17:00 in Berlin
	end := start.Add(90 * time.Minute)

	h.now = start.Add(-15*time.Minute - time.Second)
	rec := h.do("GET", join, "", "")
	page := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(page, "raum-4711") {
		t.Fatalf("before the room opens: %d, or the meeting's URL is on the page", rec.Code)
	}
	for _, want := range []string{"Der Zugang öffnet um 16:45 Uhr", "Donnerstag, 4. März 2027 um 17:00 Uhr", "Europe/Berlin",
		`href="` + join + `.ics"`, `href="` + join + `"`, `lang="de"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page before the opening lacks %q", want)
		}
	}
	if cc, robots := rec.Header().Get("Cache-Control"), rec.Header().Get("X-Robots-Tag"); cc != "no-store" || !strings.Contains(robots, "noindex") {
		t.Errorf("Cache-Control %q, X-Robots-Tag %q: the page is not private", cc, robots)
	}
	if en := h.do("GET", join+"?lang=en", "", "").Body.String(); !strings.Contains(en, "The room opens at 16:45") || !strings.Contains(en, `lang="en"`) {
		t.Error("the English page before the opening")
	}
	if attended, joins := joinsOf(t, h, manage); attended || len(joins) != 0 {
		t.Fatalf("a visit before the opening counts: attended %v, joins %v", attended, joins)
	}

	for i, at := range []time.Time{start.Add(-15 * time.Minute), start.Add(40 * time.Minute), end.Add(-time.Second)} {
		h.now = at
		rec := h.do("GET", join, "", "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != secretRoom {
			t.Fatalf("at %v: %d to %q, want 303 to the meeting", at, rec.Code, rec.Header().Get("Location"))
		}
		if rec.Header().Get("Referrer-Policy") != "same-origin" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("the redirect would tell the meeting where it came from, or be kept: %v", rec.Header())
		}
		attended, joins := joinsOf(t, h, manage)
		if !attended || len(joins) != i+1 || !joins[i].Equal(at) {
			t.Errorf("after joining at %v: attended %v, joins %v", at, attended, joins)
		}
	}

	h.now = end
	rec = h.do("GET", join, "", "")
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "Die Veranstaltung ist vorbei") || strings.Contains(rec.Body.String(), "raum-4711") {
		t.Errorf("at the end: %d %s", rec.Code, rec.Body)
	}
	if _, joins := joinsOf(t, h, manage); len(joins) != 3 {
		t.Errorf("a visit after the end counts: %v", joins)
	}
	var data struct{ Joins []time.Time }
	json.Unmarshal(h.do("GET", "/r/"+manage+"/data", "", "").Body.Bytes(), &data)
	if len(data.Joins) != 3 || !data.Joins[0].Equal(start.Add(-15*time.Minute)) {
		t.Errorf("the attendee's own data lists the joins %v", data.Joins)
	}

	// The organizers see it in the list, also filtered by attendance.
	list := decode[struct {
		Items []struct {
			Email         string     `json:"email"`
			Attended      bool       `json:"attended"`
			FirstJoinedAt *time.Time `json:"first_joined_at"`
			Joins         int        `json:"joins"`
		} `json:"items"`
	}](t, h.do("GET", "/api/v1/events/"+slug+"/registrations?attended=true", orga, ""))
	if len(list.Items) != 1 || !list.Items[0].Attended || list.Items[0].Joins != 3 || list.Items[0].FirstJoinedAt == nil ||
		!list.Items[0].FirstJoinedAt.Equal(start.Add(-15*time.Minute)) {
		t.Errorf("the organizer's list: %+v", list.Items)
	}
	if rec := h.do("GET", "/api/v1/events/"+slug+"/registrations?attended=false", orga, ""); strings.Contains(rec.Body.String(), "erika@") {
		t.Error("?attended=false lists someone who attended")
	}
	if p := expectProblem(t, h.do("GET", "/api/v1/events/"+slug+"/registrations?attended=vielleicht", orga, ""), http.StatusUnprocessableEntity); !p.names("attended") {
		t.Errorf("a bad ?attended= names %v", p.fields())
	}
	for _, secret := range []string{strings.Split(join, "/")[2], manage, "erika@"} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// Only a seat gets in. A registration waiting for confirmation or a seat gets a 404 page that
// says why, a cancelled registration or event a 410, an erased or unknown link a 404; none of
// them shows the meeting's URL or records a join, and neither does the manage token in the link.
func TestJoinLinkRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	slug, orga := joinEvent(t, h, 1)
	seatManage, seatJoin := seat(t, h, slug, "sitz@example.org")
	_, pendingJoin := seat(t, h, slug, "warte@example.org")            // on the waitlist, then made unconfirmed
	cancelManage, cancelJoin := seat(t, h, slug, "storno@example.org") // on the waitlist, then cancelled
	eraseManage, eraseJoin := seat(t, h, slug, "loesch@example.org")
	if rec := h.do("POST", "/api/v1/registrations/"+cancelManage+"/cancel", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("cancel: %d", rec.Code)
	}
	if rec := h.do("DELETE", "/api/v1/registrations/"+eraseManage, "", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("erase: %d", rec.Code)
	}
	h.pool.MustExec(`UPDATE registrations SET status = 'pending', confirmed_at = NULL WHERE email = 'warte@example.org'`)
	forged := seatJoin[:len(seatJoin)-len("x/join")] + "x/join"
	cases := []struct {
		what, path string
		status     int
		says       string
	}{
		{"unconfirmed", pendingJoin, http.StatusNotFound, "noch nicht bestätigt"},
		{"cancelled", cancelJoin, http.StatusGone, "Ihre Anmeldung ist storniert"},
		{"erased", eraseJoin, http.StatusNotFound, "Dieser Zugangslink gilt nicht"},
		{"forged", forged, http.StatusNotFound, "Dieser Zugangslink gilt nicht"},
		{"manage token", "/r/" + seatManage + "/join", http.StatusNotFound, "Dieser Zugangslink gilt nicht"},
		{"no token", "/r/-/join", http.StatusNotFound, "Dieser Zugangslink gilt nicht"},
	}
	// The waitlist: a second event whose one seat is taken.
	slug2, _ := joinEventAs(t, h, orga, "Zweite Runde")
	seat(t, h, slug2, "eins@example.org")
	_, waitlisted := seat(t, h, slug2, "zwei@example.org")
	cases = append(cases, struct {
		what, path string
		status     int
		says       string
	}{"waitlisted", waitlisted, http.StatusNotFound, "Warteliste"})
	h.now = time.Date(2027, 3, 4, 16, 30, 0, 0, time.UTC) // the event is on
	for _, c := range cases {
		rec := h.do("GET", c.path, "", "")
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.says) || strings.Contains(rec.Body.String(), "raum-4711") ||
			rec.Header().Get("Location") != "" {
			t.Errorf("%s: %d, want %d saying %q:\n%.600s", c.what, rec.Code, c.status, c.says, rec.Body)
		}
	}
	var joins int
	h.pool.Get(&joins, `SELECT count(*) FROM registration_joins`)
	if joins != 0 {
		t.Errorf("%d joins recorded for refused links", joins)
	}

	// Cancelling the event ends the seat holder's link too.
	if rec := h.do("GET", seatJoin, "", ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("the seat holder before the event is cancelled: %d", rec.Code)
	}
	if rec := h.do("POST", "/api/v1/events/"+slug+"/cancel", orga, ""); rec.Code != http.StatusOK {
		t.Fatalf("cancel the event: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do("GET", seatJoin, "", ""); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "abgesagt") {
		t.Errorf("after the event was cancelled: %d", rec.Code)
	}
}

// joinEventAs creates another online event with one seat for the organizer.
func joinEventAs(t *testing.T, h *harness, orga, title string) (string, string) {
	t.Helper()
	body := strings.Replace(validEvent, `"Digitale Verwaltung im Gespräch"`, `"`+title+`"`, 1)
	body = strings.Replace(body, `"status"`, `"double_opt_in": false, "capacity": 1, "online_url": "`+secretRoom+`", "status"`, 1)
	rec := h.do("POST", "/api/v1/events", orga, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	return decode[eventBody](t, rec).Slug, orga
}

// The token holder's JSON and page carry the personal link and when it opens, never the
// meeting's URL; the calendar behind the link puts the link, not the person, into the entry.
func TestJoinLinkForTheTokenHolder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	slug, orga := joinEvent(t, h, 10)
	manage, join := seat(t, h, slug, "erika@pattensen.example")

	rec := h.do("GET", "/api/v1/registrations/"+manage, "", "")
	got := decode[struct {
		JoinURL     string     `json:"join_url"`
		JoinOpensAt *time.Time `json:"join_opens_at"`
		Event       struct {
			OnlineURL *string `json:"online_url"`
		} `json:"event"`
	}](t, rec)
	opens := time.Date(2027, 3, 4, 15, 45, 0, 0, time.UTC)
	if got.JoinURL != "http://podium.test"+join || got.JoinOpensAt == nil || !got.JoinOpensAt.Equal(opens) || got.Event.OnlineURL != nil {
		t.Errorf("the token holder's JSON: %s", rec.Body)
	}
	if ev := h.do("GET", "/api/v1/events/"+slug, orga, "").Body.String(); !strings.Contains(ev, `"online_url"`) {
		t.Error("the organizer no longer sees online_url")
	}
	page := h.do("GET", "/r/"+manage, "", "").Body.String()
	if !strings.Contains(page, `href="`+join+`"`) || !strings.Contains(page, "öffnet am Donnerstag, 4. März 2027 um 16:45 Uhr") {
		t.Errorf("the manage page lacks the personal link or when it opens")
	}

	rec = h.do("GET", join+".ics", "", "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "raum-4711") || strings.Contains(rec.Body.String(), "erika@") {
		t.Fatalf("the join link's calendar: %d\n%s", rec.Code, rec.Body)
	}
	cal := icaltest.Parse(t, rec.Body.Bytes())
	if ev := cal.Events[0]; cal.Method != "PUBLISH" || ev.Location != "http://podium.test"+join || ev.URL != ev.Location || len(ev.Attendees) != 0 {
		t.Errorf("the join link's calendar: %+v", cal)
	}
	invite := icaltest.Parse(t, h.do("GET", "/api/v1/registrations/"+manage+"/invite.ics", "", "").Body.Bytes())
	if ev := invite.Events[0]; ev.Location != "http://podium.test"+join || !strings.Contains(ev.Description, join) || ev.UID != cal.Events[0].UID {
		t.Errorf("the invite: location %q uid %q", ev.Location, ev.UID)
	}
	if rec := h.do("POST", "/api/v1/registrations/"+manage+"/cancel", "", ""); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "join_url") {
		t.Errorf("a cancelled registration's JSON still has a join link: %s", rec.Body)
	}
	if rec := h.do("GET", join+".ics", "", ""); rec.Code != http.StatusGone {
		t.Errorf("a cancelled registration's calendar: %d", rec.Code)
	}
}
