package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// registrationFields names, for each JSON field of a registration, where its value goes.
func registrationFields(in *registration.Input) map[string]any {
	return map[string]any{
		"name": &in.Name, "email": &in.Email, "organization": &in.Organization,
		"municipality": &in.Municipality, "role": &in.Role, "answers": &in.Answers,
		"consent": &in.Consent, "language": &in.Language,
	}
}

func (s *Server) register(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var in registration.Input
	if err := decodeFields(obj, registrationFields(&in)); err != nil {
		s.respondError(c, err)
		return
	}
	r, _, err := registration.Register(c.Request.Context(), s.pool, e, in, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": r.ID, "status": r.Status})
}

// registrationJSON is a registration as its token holder sees it, with its event.
type registrationJSON struct {
	Registration *registration.Registration `json:"registration"`
	Event        *event.Event               `json:"event"`
}

func (s *Server) respondRegistration(c *gin.Context, r *registration.Registration) {
	e, err := event.ByID(c.Request.Context(), s.pool, r.EventID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, registrationJSON{Registration: r, Event: e})
}

func (s *Server) getRegistration(c *gin.Context) {
	r, err := registration.ByToken(c.Request.Context(), s.pool, c.Param("token"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondRegistration(c, r)
}

func (s *Server) confirmRegistration(c *gin.Context) {
	r, err := registration.Confirm(c.Request.Context(), s.pool, c.Param("token"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondRegistration(c, r)
}

func (s *Server) cancelRegistration(c *gin.Context) {
	r, _, err := registration.Cancel(c.Request.Context(), s.pool, c.Param("token"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondRegistration(c, r)
}

func (s *Server) eraseRegistration(c *gin.Context) {
	if _, err := registration.Erase(c.Request.Context(), s.pool, c.Param("token")); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
