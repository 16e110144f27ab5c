package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
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
	// Preview shows a draft to its organizers as attendees will see it, the form included.
	Preview       bool
	SeatsLeft     *int // nil: unlimited
	Form          *formView
	RetentionDays int
	// OtherZone is set when the event's zone is not the one German readers assume.
	OtherZone string
	// FeedURL subscribes to all events (webcal://, which calendar apps open themselves).
	FeedURL template.URL
}

type agendaView struct {
	panel.AgendaItem
	Panelists []panel.Panelist
}

// eventPage shows an event: when, where, who, the agenda, the panel and the registration form.
func (s *Server) eventPage(c *gin.Context) {
	e, err := s.eventFor(c, needNothing)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v, err := s.eventView(c, e)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v.Preview = e.Status == event.StatusDraft
	if v.RegistrationOpen || v.Preview {
		v.Form = s.registrationForm(pageLang(c), e, url.Values{}, nil)
	}
	s.renderPage(c, http.StatusOK, "event", e.Title, v)
}

// eventView gathers what the event page shows besides the form.
func (s *Server) eventView(c *gin.Context, e *event.Event) (*eventView, error) {
	ctx := c.Request.Context()
	programme, err := panel.ProgrammeOf(ctx, s.pool, e.ID)
	if err != nil {
		return nil, err
	}
	counts, err := registration.CountsOf(ctx, s.pool, e.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]panel.Panelist, len(programme.Panelists))
	for _, p := range programme.Panelists {
		byID[p.ID] = p
	}
	now := s.now()
	v := &eventView{Event: e, Panelists: programme.Panelists, IsPast: e.IsPast(now),
		RegistrationOpen: e.RegistrationOpen(now), RegistrationNotYet: e.RegistrationNotYetOpen(now),
		SeatsLeft: counts.SeatsLeft(e.Capacity), RetentionDays: s.cfg.RetentionDays, FeedURL: s.feedURL()}
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
	return v, nil
}

// notFound answers unknown paths: problem+json under /api/, a page elsewhere.
func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.respondError(c, domain.ErrNotFound)
		return
	}
	s.pageError(c, domain.ErrNotFound)
}

// pageError shows an error page: the one mapping of errors to pages, with problemOf for the
// domain's errors that pages show in place. What the visitor can act on explains itself; an
// unreachable database asks them to come back shortly; anything else is logged.
func (s *Server) pageError(c *gin.Context, err error) {
	lang := pageLang(c)
	var malformed *malformedError
	var badText *badTextError
	var tooLarge *http.MaxBytesError
	var limited *rateLimitedError
	if errors.As(err, &limited) {
		c.Header("Retry-After", limited.seconds())
		s.renderPage(c, http.StatusTooManyRequests, "error", s.messages.T(lang, "error.ratelimit.title", nil),
			s.messages.T(lang, "error.ratelimit.text", map[string]any{"Seconds": limited.seconds()}))
		return
	}
	if errors.As(err, &malformed) || errors.As(err, &badText) || errors.As(err, &tooLarge) {
		s.renderPage(c, http.StatusBadRequest, "error", s.messages.T(lang, "error.badform.title", nil),
			s.messages.T(lang, "error.badform.text", nil))
		return
	}
	if errors.Is(err, domain.ErrNotFound) {
		s.renderPage(c, http.StatusNotFound, "error", s.messages.T(lang, "error.notfound.title", nil),
			s.messages.T(lang, "error.notfound.text", nil))
		return
	}
	if p, ok := s.problemOf(lang, err, nil); ok {
		title := "error.conflict.title"
		if p.Status == http.StatusUnprocessableEntity {
			title = "error.invalid.title"
		}
		s.renderPage(c, p.Status, "error", s.messages.T(lang, title, nil), p.Text)
		return
	}
	if errors.Is(err, errNoParticipant) {
		s.renderPage(c, http.StatusForbidden, "error", s.messages.T(lang, "error.participant.title", nil),
			s.messages.T(lang, "error.participant.text", nil))
		return
	}
	if errors.Is(err, domain.ErrForbidden) {
		s.renderPage(c, http.StatusForbidden, "error", s.messages.T(lang, "error.forbidden.title", nil),
			s.messages.T(lang, "error.forbidden.text", nil))
		return
	}
	if db.IsUnavailable(err) {
		s.logUnavailable(c, err)
		c.Header("Retry-After", unavailableRetryAfter)
		s.renderPage(c, http.StatusServiceUnavailable, "error", s.messages.T(lang, "error.unavailable.title", nil),
			s.messages.T(lang, "error.unavailable.text", map[string]any{"Seconds": unavailableRetryAfter}))
		return
	}
	s.log.ErrorContext(c.Request.Context(), "page failed", "request_id", requestID(c), "route", c.FullPath(), "error", err)
	s.renderPage(c, http.StatusInternalServerError, "error", s.messages.T(lang, "error.internal.title", nil),
		s.messages.T(lang, "error.internal.text", map[string]any{"RequestID": requestID(c)}))
}

// feedURL is the calendar feed's address with the webcal scheme, which hands it to the calendar
// app as a subscription instead of downloading it once.
func (s *Server) feedURL() template.URL {
	u := *s.cfg.BaseURL
	u.Scheme = "webcal"
	return template.URL(u.String() + "/events.ics") // html/template would refuse the scheme
}
