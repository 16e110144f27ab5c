package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// maxFeedEvents bounds the feed: the upcoming events, then the most recent past ones.
const maxFeedEvents = 500

// feedMaxAge is how long a calendar client or proxy may keep the public calendars.
const feedMaxAge = "public, max-age=300"

// notShared keeps a calendar that is not a published event's out of shared caches: a draft is
// seen only by its organizers, and a proxy must not hand it to anyone else.
const notShared = "private, no-store"

var errNoSeat = &domain.ConflictError{Code: "no_seat",
	Message: "only a confirmed registration for a published event has a calendar invite"}

// eventPageOrCalendar serves /events/{slug}, and /events/{slug}.ics as the event's calendar:
// one route, because the router cannot tell the two apart by pattern.
func (s *Server) eventPageOrCalendar(c *gin.Context) {
	slug, isCalendar := strings.CutSuffix(c.Param("slug"), ".ics")
	if !isCalendar {
		s.eventPage(c)
		return
	}
	e, err := s.eventBySlug(c, slug, needNothing)
	if err != nil {
		s.pageError(c, err)
		return
	}
	agenda, err := panel.Agenda(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	ics, err := s.calendar.Publish([]calendar.Item{{Event: e, Agenda: agenda}}, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	if e.Status == event.StatusPublished {
		c.Header("Cache-Control", feedMaxAge)
	} else {
		c.Header("Cache-Control", notShared)
	}
	s.writeCalendar(c, "PUBLISH", "attachment", e.Slug+".ics", ics)
}

// calendarFeed serves /events.ics, the published events to subscribe to (webcal://).
func (s *Server) calendarFeed(c *gin.Context) {
	ctx := c.Request.Context()
	events, err := event.ListPublished(ctx, s.pool, event.ListOptions{Now: s.now(), Past: true, Limit: maxFeedEvents})
	if err != nil {
		s.pageError(c, err)
		return
	}
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	agendas, err := panel.Agendas(ctx, s.pool, ids)
	if err != nil {
		s.pageError(c, err)
		return
	}
	items := make([]calendar.Item, 0, len(events))
	for _, e := range events {
		// One event no calendar can hold must not take the feed away from every subscriber.
		if err := calendar.Writable(e); err != nil {
			s.log.WarnContext(ctx, "event left out of the calendar feed", "request_id", requestID(c), "event_id", e.ID, "error", err)
			continue
		}
		items = append(items, calendar.Item{Event: e, Agenda: agendas[e.ID]})
	}
	ics, err := s.calendar.Publish(items, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Cache-Control", feedMaxAge)
	s.writeCalendar(c, "PUBLISH", "inline", "podium.ics", ics)
}

// invite serves a confirmed attendee's personal invite, the same the mails carry.
func (s *Server) invite(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := registration.ByToken(ctx, s.pool, c.Param("token"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	e, err := event.ByID(ctx, s.pool, r.EventID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if !holdsSeat(r, e) {
		s.respondError(c, errNoSeat)
		return
	}
	agenda, err := panel.Agenda(ctx, s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	who := calendar.Attendee{Name: r.Name, Email: r.Email, Language: r.Language, JoinURL: s.joinLink(r)}
	ics, err := s.calendar.Request(calendar.Item{Event: e, Agenda: agenda}, who, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.writeCalendar(c, "REQUEST", "attachment", "invite.ics", ics)
}

func (s *Server) writeCalendar(c *gin.Context, method, disposition, filename string, ics []byte) {
	c.Header("Content-Disposition", disposition+`; filename="`+filename+`"`)
	s.writeBody(c, http.StatusOK, "text/calendar; charset=utf-8; method="+method, ics)
}
