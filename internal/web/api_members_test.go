package web_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/podium-events/podium/internal/demo"
)

// An organizer makes a colleague moderator of one event: the colleague may then moderate its
// questions, sees the role in /api/v1/me, and may not change the event itself.
func TestEventMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, admin := h.user("admin@example.org", "admin")
	_, colleague := h.user("kollegin@example.org", "member")
	members := "/api/v1/events/" + demo.FollowUpSlug + "/members"

	p := expectProblem(t, h.do("POST", members, admin, `{"email":"nobody at example.org","role":"chair"}`), http.StatusUnprocessableEntity)
	if !p.names("email") || !p.names("role") {
		t.Errorf("problem %+v", p)
	}
	if rec := h.do("POST", members, colleague, `{"email":"kollegin@example.org","role":"organizer"}`); rec.Code != http.StatusForbidden {
		t.Errorf("a member gives themselves a role: %d", rec.Code)
	}
	if rec := h.do("POST", members, admin, `{"email":"Kollegin@example.org","role":"moderator"}`); rec.Code != http.StatusCreated {
		t.Fatalf("add: %d %s", rec.Code, rec.Body)
	}
	me := decode[struct {
		User       struct{ Email string }
		EventRoles []struct{ Slug, Role string } `json:"event_roles"`
	}](t, h.do("GET", "/api/v1/me", colleague, ""))
	if me.User.Email != "kollegin@example.org" || len(me.EventRoles) != 1 || me.EventRoles[0].Role != "moderator" || me.EventRoles[0].Slug != demo.FollowUpSlug {
		t.Errorf("me %+v", me)
	}
	if rec := h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/questions?status=pending", colleague, ""); rec.Code != http.StatusOK {
		t.Errorf("moderator lists pending questions: %d", rec.Code)
	}
	if rec := h.do("PATCH", "/api/v1/events/"+demo.FollowUpSlug, colleague, `{"capacity":5}`); rec.Code != http.StatusForbidden {
		t.Errorf("moderator changes the event: %d", rec.Code)
	}
	if rec := h.do("GET", "/api/v1/me", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("me without credentials: %d", rec.Code)
	}
	list := decode[struct {
		Items []struct {
			UserID int64 `json:"user_id"`
		}
	}](t, h.do("GET", members, admin, ""))
	if len(list.Items) != 1 {
		t.Fatalf("members %+v", list)
	}
	if rec := h.do("DELETE", members+"/"+itoa(list.Items[0].UserID), admin, ""); rec.Code != http.StatusNoContent {
		t.Errorf("remove: %d", rec.Code)
	}
	if rec := h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/questions?status=pending", colleague, ""); rec.Code != http.StatusForbidden {
		t.Errorf("after removal: %d", rec.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
