package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
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
	var in registration.Input
	err := readFields(c, registrationFields(&in))
	if err == nil {
		in.ConsentVersion, err = s.consentVersion(c.Request.Context())
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	r, err := s.registerFor(c.Request.Context(), e, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusCreated, gin.H{"id": r.ID, "status": r.Status})
}

// registerFor registers in for e, which may be a copy from the event cache: when the event
// changed since, it is read again and the registration checked against it.
func (s *Server) registerFor(ctx context.Context, e *event.Event, in registration.Input) (*registration.Registration, error) {
	key := auth.ManageKey(s.cfg.Secret)
	r, _, err := registration.Register(ctx, s.pool, key, e, in, s.now())
	if errors.Is(err, registration.ErrEventChanged) {
		if e, err = s.events.Refresh(ctx, s.pool, e.Slug); err == nil {
			r, _, err = registration.Register(ctx, s.pool, key, e, in, s.now())
		}
	}
	return r, err
}

// registrationJSON is a registration as its token holder sees it, with its event. While the
// registration holds a seat at an online event it carries the personal join link and when it
// opens; the meeting's own URL (online_url) only the event's organizers see.
type registrationJSON struct {
	Registration *registration.Registration `json:"registration"`
	Event        shownEvent                 `json:"event"`
	JoinURL      string                     `json:"join_url,omitempty"`
	JoinOpensAt  *time.Time                 `json:"join_opens_at,omitempty"`
}

func (s *Server) respondRegistration(c *gin.Context, r *registration.Registration) {
	e, err := event.ByID(c.Request.Context(), s.pool, r.EventID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := registrationJSON{Registration: r, Event: showEvent(e, false)}
	if holdsSeat(r, e) && e.OnlineURL != "" {
		opens := registration.JoinOpensAt(e, s.cfg.JoinOpensBefore)
		out.JoinURL, out.JoinOpensAt = s.joinLink(r), &opens
	}
	s.writeJSON(c, http.StatusOK, out)
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
	r, err := registration.Confirm(c.Request.Context(), s.pool, c.Param("token"), s.now(), s.now().Add(-s.cfg.ConfirmWithin))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondRegistration(c, r)
}

func (s *Server) cancelRegistration(c *gin.Context) {
	r, _, err := registration.Cancel(c.Request.Context(), s.pool, c.Param("token"), s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondRegistration(c, r)
}

func (s *Server) eraseRegistration(c *gin.Context) {
	if _, err := registration.Erase(c.Request.Context(), s.pool, c.Param("token"), s.now()); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// registrationStatuses are the values ?status= accepts on the organizer's list.
var registrationStatuses = map[string]bool{
	registration.StatusPending: true, registration.StatusConfirmed: true,
	registration.StatusWaitlisted: true, registration.StatusCancelled: true,
}

func (s *Server) listRegistrations(c *gin.Context, e *event.Event) {
	limit, err := limitQuery(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := &domain.ValidationError{}
	status := c.Query("status")
	if status != "" && !registrationStatuses[status] {
		v.Problem("status", "one_of", domain.Params{"Values": "pending, confirmed, waitlisted, cancelled"}, "must be pending, confirmed, waitlisted or cancelled")
	}
	var afterID int64
	if raw := c.Query("cursor"); raw != "" {
		id, ok := decodeCursor(raw)
		if !ok {
			v.Problem("cursor", "invalid_cursor", nil, "is not a cursor this API handed out")
		}
		afterID = int64(id)
	}
	var attended *bool
	switch raw := c.Query("attended"); raw {
	case "":
	case "true", "false":
		b := raw == "true"
		attended = &b
	default:
		v.Problem("attended", "not_boolean", nil, "must be true or false")
	}
	if err := v.OrNil(); err != nil {
		s.respondError(c, err)
		return
	}
	ctx := c.Request.Context()
	items, err := registration.List(ctx, s.pool, e.ID, registration.ListOptions{Status: status, AfterID: afterID, Limit: limit + 1, Attended: attended})
	if err != nil {
		s.respondError(c, err)
		return
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	joins, err := registration.JoinsOf(ctx, s.pool, registrationIDs(items))
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := page[listedRegistration]{Items: make([]listedRegistration, len(items))}
	for i := range items {
		p.Items[i] = listedRegistration{Registration: &items[i], Joins: joins[items[i].ID]}
	}
	if more {
		next := encodeCursor(int(items[limit-1].ID))
		p.NextCursor = &next
	}
	s.writeJSON(c, http.StatusOK, p)
}

// listedRegistration is a registration as its event's organizers list it: with when the person
// first followed their join link and how often.
type listedRegistration struct {
	*registration.Registration
	registration.Joins
}

func registrationIDs(rs []registration.Registration) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func (s *Server) changeRegistration(c *gin.Context, e *event.Event) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.respondError(c, domain.ErrNotFound)
		return
	}
	var ch registration.Change
	if err := readFields(c, map[string]any{"status": &ch.Status, "attended": &ch.Attended}); err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "change", registrationChanges(ch))
	r, err := registration.ChangeByOrganizer(c.Request.Context(), s.pool, e, id, ch, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, r)
}

// reinstateRegistration takes back the cancellation of a registration: it gets a seat if one is
// free, else a place on the waitlist; 409 when the event is full and has no waitlist.
func (s *Server) reinstateRegistration(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	r, err := registration.Reinstate(c.Request.Context(), s.pool, e, id, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "change", r.Status)
	s.writeJSON(c, http.StatusOK, r)
}
