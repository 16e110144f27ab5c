package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// homePageLimit is how many events the start page lists; more belong in a search, not a page.
const homePageLimit = 100

type homeView struct {
	Upcoming []*event.Event
	Past     []*event.Event
	ShowPast bool
}

// homePage lists upcoming events, and past ones with ?past=true.
func (s *Server) homePage(c *gin.Context) {
	ctx := c.Request.Context()
	showPast := c.Query("past") == "true"
	all, err := event.ListPublished(ctx, s.pool, event.ListOptions{Now: s.now(), Past: showPast, Limit: homePageLimit})
	if err != nil {
		s.pageError(c, err)
		return
	}
	v := homeView{ShowPast: showPast}
	for _, e := range all {
		if e.IsPast(s.now()) {
			v.Past = append(v.Past, e)
		} else {
			v.Upcoming = append(v.Upcoming, e)
		}
	}
	s.renderPage(c, http.StatusOK, "home", s.messages.T(pageLang(c), "home.title", nil), v)
}

type eventView struct {
	Event     *event.Event
	Panelists []panel.Panelist
	Agenda    []agendaView
	IsPast    bool
	// RegistrationOpen and RegistrationNotYet describe the registration window at the time of the request.
	RegistrationOpen   bool
	RegistrationNotYet bool
	// OtherZone is set when the event's zone is not the one German readers assume.
	OtherZone string
}

type agendaView struct {
	panel.AgendaItem
	Panelists []panel.Panelist
}

// eventPage shows an event: when, where, who, the agenda and the panel.
func (s *Server) eventPage(c *gin.Context) {
	e, err := s.eventFor(c, needNothing)
	if err != nil {
		s.pageError(c, err)
		return
	}
	programme, err := panel.ProgrammeOf(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	panelists := programme.Panelists
	byID := make(map[int64]panel.Panelist, len(panelists))
	for _, p := range panelists {
		byID[p.ID] = p
	}
	now := s.now()
	v := eventView{Event: e, Panelists: panelists, IsPast: e.IsPast(now),
		RegistrationOpen: e.RegistrationOpen(now), RegistrationNotYet: e.RegistrationNotYetOpen(now)}
	for _, item := range programme.Agenda {
		av := agendaView{AgendaItem: item}
		for _, id := range item.PanelistIDs {
			av.Panelists = append(av.Panelists, byID[id])
		}
		v.Agenda = append(v.Agenda, av)
	}
	if e.Timezone != event.DefaultTimezone {
		v.OtherZone = e.Timezone
	}
	s.renderPage(c, http.StatusOK, "event", e.Title, v)
}

// notFound answers unknown paths: problem+json under /api/, a page elsewhere.
func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.respondError(c, domain.ErrNotFound)
		return
	}
	s.pageError(c, domain.ErrNotFound)
}

// pageError shows an error page. Only "not found" explains itself; anything else is logged.
func (s *Server) pageError(c *gin.Context, err error) {
	lang := pageLang(c)
	if errors.Is(err, domain.ErrNotFound) {
		s.renderPage(c, http.StatusNotFound, "error", s.messages.T(lang, "error.notfound.title", nil),
			s.messages.T(lang, "error.notfound.text", nil))
		return
	}
	s.log.ErrorContext(c.Request.Context(), "page failed", "request_id", requestID(c), "route", c.FullPath(), "error", err)
	s.renderPage(c, http.StatusInternalServerError, "error", s.messages.T(lang, "error.internal.title", nil),
		s.messages.T(lang, "error.internal.text", map[string]any{"RequestID": requestID(c)}))
}
