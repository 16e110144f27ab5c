package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// secretRoom is the meeting's join link: whoever has it can enter.
const secretRoom = "https://konferenz.example.org/raum-4711?pwd=geheim"

// The meeting's own URL reaches only the event's organizers: not the public event JSON, list,
// page or calendars, not other organizers, and not attendees, whatever their status. People
// holding a seat get their personal join link instead, in their JSON, page and invite.
func TestMeetingURLOnlyForOrganizers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, orga := h.user("orga@example.org", auth.RoleOrganizer)
	_, otherOrga := h.user("andere@example.org", auth.RoleOrganizer)
	body := strings.Replace(validEvent, `"status"`, `"capacity": 1, "online_url": "`+secretRoom+`", "status"`, 1)
	rec := h.do("POST", "/api/v1/events", orga, body)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), secretRoom) {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	slug := decode[eventBody](t, rec).Slug

	tokens := map[string]string{}
	for _, who := range []string{"pending", "seat", "waiting", "cancelled"} {
		tokens[who] = pendingToken(t, h, slug, who+"@kommune.example")
	}
	confirm := func(who string) string {
		t.Helper()
		rec := h.do("POST", "/api/v1/registrations/"+tokens[who]+"/confirm", "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("confirm %s: %d %s", who, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	seatLink := personalJoinLink(t, h, tokens["seat"])
	if got := confirm("seat"); !strings.Contains(strings.ReplaceAll(got, `\u0026`, "&"), seatLink) || strings.Contains(got, "raum-4711") {
		t.Errorf("the seat holder's confirmation lacks the personal join link, or has the meeting's: %s", got)
	}
	for _, who := range []string{"waiting", "cancelled"} {
		if got := confirm(who); strings.Contains(got, secretRoom) {
			t.Errorf("confirming onto the waitlist (%s) shows the join link", who)
		}
	}
	if rec := h.do("POST", "/api/v1/registrations/"+tokens["cancelled"]+"/cancel", "", ""); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), secretRoom) {
		t.Errorf("cancelling shows the join link: %d", rec.Code)
	}

	hidden := []struct{ what, method, path, token string }{
		{"public event JSON", "GET", "/api/v1/events/" + slug, ""},
		{"public list", "GET", "/api/v1/events", ""},
		{"public list with past events", "GET", "/api/v1/events?past=true", ""},
		{"event JSON for another event's organizer", "GET", "/api/v1/events/" + slug, otherOrga},
		{"list for another event's organizer", "GET", "/api/v1/events", otherOrga},
		{"event page", "GET", "/events/" + slug, ""},
		{"English event page", "GET", "/events/" + slug + "?lang=en", ""},
		{"event calendar", "GET", "/events/" + slug + ".ics", ""},
		{"feed", "GET", "/events.ics", ""},
		{"start page", "GET", "/", ""},
	}
	for _, who := range []string{"pending", "waiting", "cancelled", "seat"} {
		tok := tokens[who]
		hidden = append(hidden,
			struct{ what, method, path, token string }{who + " registration JSON", "GET", "/api/v1/registrations/" + tok, ""},
			struct{ what, method, path, token string }{who + " manage page", "GET", "/r/" + tok, ""},
			struct{ what, method, path, token string }{who + " invite", "GET", "/api/v1/registrations/" + tok + "/invite.ics", ""},
		)
	}
	hidden = append(hidden, struct{ what, method, path, token string }{"pending confirmation page", "GET", "/r/" + tokens["pending"] + "/confirm", ""})
	for _, c := range hidden {
		rec := h.do(c.method, c.path, c.token, "")
		if rec.Code >= 500 {
			t.Errorf("%s: %d", c.what, rec.Code)
		}
		if strings.Contains(rec.Body.String(), secretRoom) || strings.Contains(rec.Body.String(), "raum-4711") {
			t.Errorf("%s shows the join link", c.what)
		}
	}

	shown := []struct{ what, path, token, want string }{
		{"event JSON for its organizer", "/api/v1/events/" + slug, orga, secretRoom},
		{"list for its organizer", "/api/v1/events", orga, secretRoom},
		{"seat holder's registration JSON", "/api/v1/registrations/" + tokens["seat"], "", seatLink},
		{"seat holder's manage page", "/r/" + tokens["seat"], "", strings.TrimPrefix(seatLink, "http://podium.test")},
		{"seat holder's invite", "/api/v1/registrations/" + tokens["seat"] + "/invite.ics", "", seatLink},
	}
	for _, c := range shown {
		rec := h.do("GET", c.path, c.token, "")
		got := strings.NewReplacer("\r\n ", "", "&amp;", "&", `\u0026`, "&").Replace(rec.Body.String())
		if rec.Code != http.StatusOK || !strings.Contains(got, c.want) {
			t.Errorf("%s lacks %s: %d", c.what, c.want, rec.Code)
		}
	}
}

// personalJoinLink is the personal join link of the registration with this manage token.
func personalJoinLink(t *testing.T, h *harness, manageToken string) string {
	t.Helper()
	r, err := registration.ByToken(context.Background(), h.pool, manageToken)
	if err != nil {
		t.Fatal(err)
	}
	return "http://podium.test/r/" + registration.JoinToken(auth.ManageKey(harnessSecret), r) + "/join"
}

// pendingToken registers email for the event (double opt-in) and returns its manage token.
func pendingToken(t *testing.T, h *harness, slug, email string) string {
	t.Helper()
	ctx := context.Background()
	e, err := event.BySlug(ctx, h.pool, slug)
	if err != nil {
		t.Fatal(err)
	}
	in := registration.Input{Name: "Erika Mustermann", Email: email, Consent: true}
	r, token, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), e, in, h.now)
	if err != nil || r.Status != registration.StatusPending {
		t.Fatalf("register: %+v %v", r, err)
	}
	return token
}
