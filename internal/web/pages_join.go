package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// joinUnknown is the state of a join link that belongs to no registration (any more): mistyped,
// cut off by a mail client, or its registration erased.
const joinUnknown = "unknown"

// joinStatus is the answer to a join link that does not lead into the meeting. Waiting for a
// seat or confirmation may still end in one, so that is a 404 like an unknown link; a
// cancellation or the end of the event is for good (410).
var joinStatus = map[string]int{
	registration.JoinEarly:          http.StatusOK,
	registration.JoinOver:           http.StatusGone,
	registration.JoinPending:        http.StatusNotFound,
	registration.JoinWaitlisted:     http.StatusNotFound,
	registration.JoinCancelled:      http.StatusGone,
	registration.JoinEventCancelled: http.StatusGone,
	registration.JoinNotOnline:      http.StatusNotFound,
	joinUnknown:                     http.StatusNotFound,
}

// joinView is the page a personal join link shows instead of the meeting: when it opens, that
// the event is over, or why the link does not work.
type joinView struct {
	Event *event.Event // nil for an unknown link
	State string
	Text  string
	// Retry is the link itself, to follow again once the meeting opens; Calendar saves the event
	// with it.
	Retry, Calendar string
}

func (v joinView) about() *event.Event { return v.Event }

// joinLink is the personal join link of a registration, as mails and calendars carry it.
func (s *Server) joinLink(r *registration.Registration) string {
	return s.cfg.BaseURL.String() + "/r/" + registration.JoinToken(auth.ManageKey(s.cfg.Secret), r) + "/join"
}

// joinPage follows a personal join link: into the meeting (303) from shortly before the start
// until the end, recording the join; otherwise a page that says when, or why not. The meeting's
// URL is in nothing but that redirect.
func (s *Server) joinPage(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	j, err := registration.Join(ctx, s.pool, auth.ManageKey(s.cfg.Secret), token, s.now(), s.cfg.JoinOpensBefore)
	if errors.Is(err, domain.ErrNotFound) {
		s.renderJoin(c, &registration.Joining{State: joinUnknown}, token)
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	// The registration's id, never the token: whoever reads the logs must not be able to join.
	s.log.InfoContext(ctx, "join link followed", "request_id", requestID(c), "event_id", j.Event.ID,
		"registration_id", j.Registration.ID, "state", j.State)
	if j.State == registration.JoinOpen {
		c.Redirect(http.StatusSeeOther, j.Event.OnlineURL)
		return
	}
	s.renderJoin(c, j, token)
}

// renderJoin shows why a join link did not lead into the meeting, in the event's time zone.
func (s *Server) renderJoin(c *gin.Context, j *registration.Joining, token string) {
	lang := pageLang(c)
	v := joinView{Event: j.Event, State: j.State}
	var data map[string]any
	if e := j.Event; e != nil {
		loc := e.Zone()
		data = map[string]any{"Title": e.Title, "Date": i18n.LongDate(e.StartsAt, loc, lang),
			"Time": i18n.Clock(e.StartsAt, loc, lang), "Opens": i18n.Clock(j.OpensAt, loc, lang),
			"EndDate": i18n.LongDate(e.EndsAt, loc, lang), "EndTime": i18n.Clock(e.EndsAt, loc, lang),
			"Zone": e.Timezone, "Place": e.Location}
		base := "/r/" + token + "/join"
		v.Retry, v.Calendar = base+langQuery(lang, "?"), base+".ics"
	}
	v.Text = s.messages.T(lang, "join."+j.State+".text", data)
	s.renderPage(c, joinStatus[j.State], "join", s.messages.T(lang, "join."+j.State+".title", data), v)
}

// joinCalendar lets the holder of a join link save the event with the link as its place, for
// instance from the page that says the meeting opens later. It names nobody: the link is all
// it proves.
func (s *Server) joinCalendar(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	j, err := registration.LookAtJoin(ctx, s.pool, auth.ManageKey(s.cfg.Secret), token, s.now(), s.cfg.JoinOpensBefore)
	if errors.Is(err, domain.ErrNotFound) {
		s.renderJoin(c, &registration.Joining{State: joinUnknown}, token)
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	if j.State != registration.JoinEarly && j.State != registration.JoinOpen {
		s.renderJoin(c, j, token)
		return
	}
	agenda, err := panel.Agenda(ctx, s.pool, j.Event.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	it := calendar.Item{Event: j.Event, Agenda: agenda}
	ics, err := s.calendar.Personal(it, s.joinLink(j.Registration), pageLang(c), s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.writeCalendar(c, "PUBLISH", "attachment", j.Event.Slug+".ics", ics)
}
