package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/audit"
	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// adminPageSize is how many registrations the dashboard lists at once.
const adminPageSize = 100

// adminEvent is one line of the organizer's event list.
type adminEvent struct {
	*event.Event
	Counts    registration.Counts
	SeatsLeft *int
}

type adminView struct {
	User   *auth.User
	Events []adminEvent
	Audit  []auditLine
}

// eventDashboard is everything /admin/events/{slug} shows.
type eventDashboard struct {
	adminEvent
	Registrations []registration.Registration
	// Joins are how the listed registrations used their join links, by registration id.
	Joins      map[int64]registration.Joins
	Search     string
	Status     string
	NextCursor int64
	Timeline   *lineChart
	Answers    []answerChart
	Polls      []pollView
	Panelists  []panel.Panelist
	Agenda     []panel.AgendaItem
	Members    []auth.Member
	Mail       map[string]int
	FailedMail []outbox.Delivery
	Audit      []auditLine
	Form       editForm
	// Ended offers what comes after the event: the attendance certificates, the mail after it
	// and the survey's answers.
	Ended         bool
	After         *afterEvent
	Done, Problem string
}

// editForm holds the event's editable fields as the form shows them, in the event's zone.
type editForm struct {
	StartsAt, EndsAt, Location, OnlineURL, Capacity string
}

func (s *Server) adminRoutes(pages *gin.RouterGroup) {
	admin := pages.Group("/admin", privatePage, s.requireLogin)
	admin.GET("", s.adminPage)
	admin.GET("/events/:slug", s.eventDashboardPage)
	s.adminActionRoutes(admin)
}

// adminPage lists the events the user organizes (admins: all) with their counts.
func (s *Server) adminPage(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	events, err := organizedEvents(ctx, s.pool, u)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v := adminView{User: u}
	for _, e := range events {
		counts, err := registration.CountsOf(ctx, s.pool, e.ID)
		if err != nil {
			s.pageError(c, err)
			return
		}
		v.Events = append(v.Events, adminEvent{Event: e, Counts: counts, SeatsLeft: counts.SeatsLeft(e.Capacity)})
	}
	if u.IsAdmin() {
		entries, err := audit.Recent(ctx, s.pool, 50)
		if err != nil {
			s.pageError(c, err)
			return
		}
		zones, err := auditZones(ctx, s.pool, entries)
		if err != nil {
			s.pageError(c, err)
			return
		}
		v.Audit = s.auditLines(pageLang(c), entries, zones, true)
	}
	s.renderPage(c, http.StatusOK, "admin", s.messages.T(pageLang(c), "admin.title", nil), v)
}

// organizedEvents returns the events the user organizes or moderates, newest first; all for admins.
func organizedEvents(ctx context.Context, q sqlx.QueryerContext, u *auth.User) ([]*event.Event, error) {
	var slugs []string
	query := `SELECT e.slug FROM events e
		WHERE $2 OR EXISTS (SELECT 1 FROM event_members m WHERE m.event_id = e.id AND m.user_id = $1)
		ORDER BY e.starts_at DESC LIMIT 500`
	if err := sqlx.SelectContext(ctx, q, &slugs, query, u.ID, u.IsAdmin()); err != nil {
		return nil, fmt.Errorf("admin: events: %w", err)
	}
	out := make([]*event.Event, 0, len(slugs))
	for _, slug := range slugs {
		e, err := event.BySlug(ctx, q, slug)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Server) eventDashboardPage(c *gin.Context) {
	e, err := s.eventFor(c, needOrganizer)
	if err != nil {
		s.pageError(c, err)
		return
	}
	// done names the form that was sent, as adminForm's redirect says; anything else, typed into
	// the address, has no words and no banner.
	done := c.Query("done")
	if id := "admin.done." + done; s.messages.T(pageLang(c), id, nil) == id {
		done = ""
	}
	s.renderDashboard(c, http.StatusOK, e, done, "", nil)
}

// renderDashboard shows the dashboard; form, when given, keeps what the organizer typed.
func (s *Server) renderDashboard(c *gin.Context, status int, e *event.Event, done, problem string, form *editForm) {
	ctx := c.Request.Context()
	d := eventDashboard{Search: c.Query("q"), Status: c.Query("status"), Done: done, Problem: problem,
		Ended: e.Status == event.StatusPublished && !s.now().Before(e.EndsAt)}
	d.Event = e
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	if err := s.loadDashboard(ctx, &d, pageLang(c), after); err != nil {
		s.pageError(c, err)
		return
	}
	if d.Ended {
		var err error
		if d.After, err = s.loadAfterEvent(ctx, e); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if form != nil {
		d.Form = *form
	} else {
		d.Form = formOf(e)
	}
	s.renderPage(c, status, "admin_event", e.Title, d)
}

// loadDashboard reads what the dashboard shows, one query after the other.
func (s *Server) loadDashboard(ctx context.Context, d *eventDashboard, lang string, after int64) error {
	e := d.Event
	var err error
	if d.Counts, err = registration.CountsOf(ctx, s.pool, e.ID); err != nil {
		return err
	}
	d.SeatsLeft = d.Counts.SeatsLeft(e.Capacity)
	d.Registrations, err = registration.List(ctx, s.pool, e.ID, registration.ListOptions{
		Status: d.Status, Search: d.Search, AfterID: after, Limit: adminPageSize + 1})
	if err != nil {
		return err
	}
	if len(d.Registrations) > adminPageSize {
		d.Registrations = d.Registrations[:adminPageSize]
		d.NextCursor = d.Registrations[adminPageSize-1].ID
	}
	if d.Joins, err = registration.JoinsOf(ctx, s.pool, registrationIDs(d.Registrations)); err != nil {
		return err
	}
	days, err := registration.Timeline(ctx, s.pool, e)
	if err != nil {
		return err
	}
	d.Timeline = timelineChart(days)
	answers, err := registration.AnswerCounts(ctx, s.pool, e)
	if err != nil {
		return err
	}
	d.Answers = answerCharts(e, answers)
	if d.Polls, err = dashboardPolls(ctx, s.pool, e); err != nil {
		return err
	}
	if d.Panelists, err = panel.Panelists(ctx, s.pool, e.ID); err != nil {
		return err
	}
	if d.Agenda, err = panel.Agenda(ctx, s.pool, e.ID); err != nil {
		return err
	}
	if d.Members, err = auth.Members(ctx, s.pool, e.ID); err != nil {
		return err
	}
	if d.Mail, err = outbox.Counts(ctx, s.pool, registration.Recipients(e.ID)); err != nil {
		return err
	}
	if d.FailedMail, err = outbox.Deliveries(ctx, s.pool, registration.Recipients(e.ID), "failed", 50); err != nil {
		return err
	}
	entries, err := audit.ForEvent(ctx, s.pool, e.ID, 50)
	d.Audit = s.auditLines(lang, entries, map[int64]*time.Location{e.ID: e.Zone()}, false)
	return err
}

// localInput is the layout of an <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

func formOf(e *event.Event) editForm {
	f := editForm{StartsAt: e.StartsAt.In(e.Zone()).Format(localInput), EndsAt: e.EndsAt.In(e.Zone()).Format(localInput),
		Location: e.Location, OnlineURL: e.OnlineURL}
	if e.Capacity != nil {
		f.Capacity = strconv.Itoa(*e.Capacity)
	}
	return f
}

// parseLocal reads a datetime-local value as a time in the event's zone.
func parseLocal(value string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation(localInput, value, loc)
}
