package web

import (
	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// shownEvent is an event as one caller may see it. The meeting's URL lets whoever has it into
// the meeting, unseen, so it is there only for the event's organizers; attendees with a seat get
// their personal join link instead (pages_join.go). event.Event leaves it out of its own JSON,
// so that forgetting this type cannot leak it.
type shownEvent struct {
	*event.Event
	OnlineURL *string `json:"online_url,omitempty"`
}

func showEvent(e *event.Event, withJoinLink bool) shownEvent {
	out := shownEvent{Event: e}
	if withJoinLink {
		out.OnlineURL = &e.OnlineURL
	}
	return out
}

// organizes tells whether the caller is one of the event's organizers (or an admin).
func (s *Server) organizes(c *gin.Context, e *event.Event) (bool, error) {
	return auth.Allowed(c.Request.Context(), s.pool, currentUser(c), e.ID, auth.NeedOrganizer)
}

// organizedEvents returns a test for "the caller organizes this event", with one query for a
// whole list of events.
func (s *Server) organizedEvents(c *gin.Context) (func(eventID int64) bool, error) {
	u := currentUser(c)
	switch {
	case u == nil:
		return func(int64) bool { return false }, nil
	case u.IsAdmin():
		return func(int64) bool { return true }, nil
	}
	roles, err := auth.RolesOf(c.Request.Context(), s.pool, u.ID)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, r := range roles {
		ids[r.EventID] = r.Role == auth.EventOrganizer
	}
	return func(id int64) bool { return ids[id] }, nil
}

// holdsSeat tells whether a registration gives its holder a seat at the event, and with it the
// personal join link and the calendar invite.
func holdsSeat(r *registration.Registration, e *event.Event) bool {
	return r.Status == registration.StatusConfirmed && e.Status == event.StatusPublished
}
