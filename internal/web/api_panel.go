package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// panelRoutes lets organizers change an event's panel and agenda; reading them is open to all.
func (s *Server) panelRoutes(api *gin.RouterGroup) {
	s.eventRoute(api, "POST", "/events/:slug/panelists", needOrganizer, s.createPanelist, s.audited("panelist.created"))
	s.eventRoute(api, "PATCH", "/events/:slug/panelists/:id", needOrganizer, s.patchPanelist, s.audited("panelist.updated"))
	s.eventRoute(api, "DELETE", "/events/:slug/panelists/:id", needOrganizer, s.deletePanelist, s.audited("panelist.deleted"))
	s.eventRoute(api, "POST", "/events/:slug/agenda", needOrganizer, s.createAgendaItem, s.audited("agenda.created"))
	s.eventRoute(api, "PATCH", "/events/:slug/agenda/:id", needOrganizer, s.patchAgendaItem, s.audited("agenda.updated"))
	s.eventRoute(api, "DELETE", "/events/:slug/agenda/:id", needOrganizer, s.deleteAgendaItem, s.audited("agenda.deleted"))
}

// panelistFields names, for each JSON field of a panelist, where its value goes.
func panelistFields(in *panel.PanelistInput) map[string]any {
	return map[string]any{
		"name": &in.Name, "role": &in.Role, "organization": &in.Organization,
		"municipality": &in.Municipality, "bio": &in.Bio, "position": &in.Position,
	}
}

// decodePanelistInput applies the JSON fields to in, naming every bad field in one answer.
func decodePanelistInput(obj map[string]json.RawMessage, in *panel.PanelistInput) error {
	return withValidation(decodeFields(obj, panelistFields(in)), in.Validate)
}

// decodeAgendaItemInput applies the JSON fields to in, naming every bad field in one answer.
func (s *Server) decodeAgendaItemInput(c *gin.Context, obj map[string]json.RawMessage, in *panel.AgendaItemInput, e *event.Event) error {
	// Decoded here rather than by decodeFields, so that a wrong value is explained as ids.
	var ids json.RawMessage
	err := decodeFields(obj, map[string]any{
		"starts_at": &in.StartsAt, "ends_at": &in.EndsAt, "title": &in.Title, "kind": &in.Kind,
		"description": &in.Description, "panelist_ids": &ids,
	})
	if ids != nil && json.Unmarshal(ids, &in.PanelistIDs) != nil {
		in.PanelistIDs = nil
		var v *domain.ValidationError
		if !errors.As(err, &v) {
			v = &domain.ValidationError{}
		}
		v.Problem("panelist_ids", "invalid_format", nil, "must be a list of panelist ids, such as [12, 13]")
		err = v
	}
	return withValidation(err, func() error { return in.Validate(c.Request.Context(), s.pool, e) })
}

// withValidation adds the problems validate finds to the fields that could not be decoded, so
// that the client learns of every problem at once. Without decoding problems it returns nil and
// leaves validation to the domain.
func withValidation(decodeErr error, validate func() error) error {
	var fields *domain.ValidationError
	if !errors.As(decodeErr, &fields) {
		return decodeErr
	}
	err := validate()
	var more *domain.ValidationError
	if !errors.As(err, &more) {
		if err != nil {
			return err
		}
		return fields
	}
	for _, f := range more.Fields {
		if !fields.Has(f.Field) {
			fields.Fields = append(fields.Fields, f)
		}
	}
	return fields
}

// idParam reads the :id of a route; anything but a positive number names nothing.
func idParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, domain.ErrNotFound
	}
	return id, nil
}

func (s *Server) createPanelist(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var in panel.PanelistInput
	if err := decodePanelistInput(obj, &in); err != nil {
		s.respondError(c, err)
		return
	}
	p, err := panel.CreatePanelist(c.Request.Context(), s.pool, e.ID, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, p)
}

// patchPanelist changes the fields the body names and keeps the others.
func (s *Server) patchPanelist(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p, err := panel.PanelistByID(c.Request.Context(), s.pool, e.ID, id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	in := panel.PanelistInputOf(p)
	if err := decodePanelistInput(obj, &in); err != nil {
		s.respondError(c, err)
		return
	}
	updated, err := panel.UpdatePanelist(c.Request.Context(), s.pool, e.ID, id, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, updated)
}

func (s *Server) deletePanelist(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if err := panel.DeletePanelist(c.Request.Context(), s.pool, e.ID, id); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) createAgendaItem(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var in panel.AgendaItemInput
	if err := s.decodeAgendaItemInput(c, obj, &in, e); err != nil {
		s.respondError(c, err)
		return
	}
	item, err := panel.CreateAgendaItem(c.Request.Context(), s.pool, e, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, item)
}

// patchAgendaItem changes the fields the body names and keeps the others; panelist_ids, when
// given, replaces the item's panelists.
func (s *Server) patchAgendaItem(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	item, err := panel.AgendaItemByID(c.Request.Context(), s.pool, e.ID, id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	in := panel.AgendaItemInputOf(item)
	if err := s.decodeAgendaItemInput(c, obj, &in, e); err != nil {
		s.respondError(c, err)
		return
	}
	updated, err := panel.UpdateAgendaItem(c.Request.Context(), s.pool, e, id, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, updated)
}

func (s *Server) deleteAgendaItem(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if err := panel.DeleteAgendaItem(c.Request.Context(), s.pool, e.ID, id); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
