package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

func (s *Server) memberRoutes(api *gin.RouterGroup) {
	api.GET("/me", s.me)
	s.eventRoute(api, "GET", "/events/:slug/members", needOrganizer, s.listMembers)
	s.eventRoute(api, "POST", "/events/:slug/members", needOrganizer, s.addMember, s.audited("member.added"))
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

// addMember gives an existing user a role on the event: organizer, or moderator (who may
// moderate its questions and nothing else).
func (s *Server) addMember(c *gin.Context, e *event.Event) {
	var email, role string
	if err := readFields(c, map[string]any{"email": &email, "role": &role}); err != nil {
		s.respondError(c, err)
		return
	}
	m, err := auth.GiveEventRole(c.Request.Context(), s.pool, e.ID, strings.TrimSpace(email), role)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, m)
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
