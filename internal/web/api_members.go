package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// invitationRate bounds the roles an account gives per hour, by API and page together, and with
// them the invitations it mails to addresses without an account; admins' invitations count too.
var invitationRate = limiter.Rate{Period: time.Hour, Limit: 50}

func (s *Server) memberRoutes(api *gin.RouterGroup) {
	api.GET("/me", s.me)
	s.eventRoute(api, "GET", "/events/:slug/members", needOrganizer, s.listMembers)
	s.eventRoute(api, "POST", "/events/:slug/members", needOrganizer, s.addMember, s.audited("member.added"), s.limitPerUser("invitation", invitationRate))
	s.eventRoute(api, "DELETE", "/events/:slug/members/:user_id", needOrganizer, s.removeMember, s.audited("member.removed"))
}

func (s *Server) me(c *gin.Context) {
	u := currentUser(c)
	if u == nil {
		s.respondError(c, errUnauthenticated)
		return
	}
	roles, err := auth.RolesOf(c.Request.Context(), s.pool, u.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, gin.H{"user": u, "event_roles": roles})
}

func (s *Server) listMembers(c *gin.Context, e *event.Event) {
	ms, err := auth.Members(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[auth.Member]{Items: ms})
}

// memberAdded is the answer to giving a role: the member, and whether an invitation was mailed
// because the address had no account yet (then `invited` is true until it is taken up).
type memberAdded struct {
	*auth.Member
	InvitationSent bool `json:"invitation_sent,omitempty"`
}

// addMember gives a person a role on the event: organizer, or moderator (who may moderate its
// questions and nothing else). An address without an account is invited by mail, in
// `language` (default: the event's).
func (s *Server) addMember(c *gin.Context, e *event.Event) {
	var email, role, lang string
	if err := readFields(c, map[string]any{"email": &email, "role": &role, "language": &lang}); err != nil {
		s.respondError(c, err)
		return
	}
	if lang == "" {
		lang = e.Language
	}
	m, invited, err := auth.GiveEventRole(c.Request.Context(), s.pool, auth.ManageKey(s.cfg.Secret), e.ID, email, role, lang, currentUser(c), s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	if invited {
		c.Set(auditDetailKey, "invited user_id="+strconv.FormatInt(m.UserID, 10))
	}
	s.writeJSON(c, http.StatusCreated, memberAdded{Member: m, InvitationSent: invited})
}

func (s *Server) removeMember(c *gin.Context, e *event.Event) {
	id, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
	if err != nil {
		s.respondError(c, domain.ErrNotFound)
		return
	}
	if err := auth.RemoveEventRole(c.Request.Context(), s.pool, e.ID, id); errors.Is(err, auth.ErrNotFound) {
		s.respondError(c, domain.ErrNotFound)
		return
	} else if err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
