package web

import (
	"context"
	"net/http"
	"net/url"
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
	User      *auth.User
	Events    []adminEvent   // the events the user organizes (admins: all)
	Moderated []*event.Event // the events the user moderates only
	Audit     []auditLine
	// Done says what was just done (a draft deleted); CanCreate offers to create an event.
	Done      string
	CanCreate bool
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
	// Notices are the messages organizers wrote to attendees, with the state of their mails.
	Notices []sentNotice
	Audit   []auditLine
	// Form holds the event's times as the agenda form proposes them.
	Form editForm
	// CanCreate offers to duplicate the event to those who may create events.
	CanCreate bool
	// Ended offers what comes after the event: the attendance certificates, the mail after it
	// and the survey's answers.
	Ended         bool
	After         *afterEvent
	Done, Problem string
	// Failed is the dashboard form that was refused, with what was typed and each field's problem.
	Failed *failedForm
}

// editForm holds the event's times as a form shows them, in the event's zone.
type editForm struct {
	StartsAt, EndsAt string
}

func (s *Server) adminRoutes(pages *gin.RouterGroup) {
	admin := pages.Group("/admin", privatePage, s.requireLogin)
	admin.GET("", s.adminPage)
	s.eventPageRoute(admin, "GET", "/events/:slug", needOrganizer, s.eventDashboardPage)
	s.adminActionRoutes(admin)
	s.attendancePageRoutes(admin)
	s.noticePageRoutes(admin)
	s.eventPageRoutes(admin)
}

// adminEventLimit is how many events /admin lists, newest first.
const adminEventLimit = 500

// adminPage lists the events the user organizes (admins: all) with their counts, and the events
// they moderate with the way to the moderation and presenter pages.
func (s *Server) adminPage(c *gin.Context) {
	u := currentUser(c)
	v, entries, err := loadAdminView(c.Request.Context(), s.pool, u)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v.CanCreate = auth.CanCreateEvents(u)
	if done := c.Query("done"); done == "event.deleted" {
		v.Done = done
	}
	if len(entries) > 0 {
		zones, err := auditZones(c.Request.Context(), s.pool, entries)
		if err != nil {
			s.pageError(c, err)
			return
		}
		v.Audit = s.auditLines(pageLang(c), entries, zones, true)
	}
	s.renderPage(c, http.StatusOK, "admin", s.messages.T(pageLang(c), "admin.title", nil), v)
}

// loadAdminView reads /admin in a fixed number of queries, however many events the user has.
// For admins it also returns the newest entries of the audit log.
func loadAdminView(ctx context.Context, q sqlx.QueryerContext, u *auth.User) (adminView, []audit.Entry, error) {
	v := adminView{User: u}
	roles, err := auth.ManagedEvents(ctx, q, u.ID, u.IsAdmin(), adminEventLimit)
	if err != nil {
		return v, nil, err
	}
	ids := make([]int64, len(roles))
	role := make(map[int64]string, len(roles))
	for i, r := range roles {
		ids[i], role[r.EventID] = r.EventID, r.Role
	}
	events, err := event.ByIDs(ctx, q, ids)
	if err != nil {
		return v, nil, err
	}
	counts, err := registration.CountsOfEvents(ctx, q, ids)
	if err != nil {
		return v, nil, err
	}
	for _, e := range events {
		if role[e.ID] == auth.EventModerator && !u.IsAdmin() {
			v.Moderated = append(v.Moderated, e)
			continue
		}
		n := counts[e.ID]
		v.Events = append(v.Events, adminEvent{Event: e, Counts: n, SeatsLeft: n.SeatsLeft(e.Capacity)})
	}
	var entries []audit.Entry
	if u.IsAdmin() {
		if entries, err = audit.Recent(ctx, q, 50); err != nil {
			return v, nil, err
		}
	}
	return v, entries, nil
}

func (s *Server) eventDashboardPage(c *gin.Context, e *event.Event) {
	// done names the form that was sent, as adminForm's redirect says; anything else, typed into
	// the address, has no words and no banner.
	done := c.Query("done")
	if id := "admin.done." + done; s.messages.T(pageLang(c), id, nil) == id {
		done = ""
	}
	s.renderDashboard(c, http.StatusOK, e, done, "", nil)
}

// failedForm is a dashboard form that was refused: the action it was sent to, what was typed and
// the problem of each field, so that the form shows both in place.
type failedForm struct {
	Action string
	Values url.Values
	Fields map[string]string
}

// Typed is what was typed into a field of the form of action, if that form was just refused.
func (d eventDashboard) Typed(action, field string) string {
	if d.Failed == nil || d.Failed.Action != action {
		return ""
	}
	return d.Failed.Values.Get(field)
}

// FieldProblem says what is wrong with a field of the form of action, if that form was just refused.
func (d eventDashboard) FieldProblem(action, field string) string {
	if d.Failed == nil || d.Failed.Action != action {
		return ""
	}
	return d.Failed.Fields[field]
}

// renderDashboard shows the dashboard, with what was done or what went wrong; failed, if not nil,
// is the form that was refused.
func (s *Server) renderDashboard(c *gin.Context, status int, e *event.Event, done, problem string, failed *failedForm) {
	ctx := c.Request.Context()
	d := eventDashboard{Search: c.Query("q"), Status: c.Query("status"), Done: done, Problem: problem, Failed: failed,
		Ended: e.Status == event.StatusPublished && !s.now().Before(e.EndsAt)}
	d.Event = e
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	if err := s.loadDashboard(ctx, &d, after, pageLang(c)); err != nil {
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
	d.Form = formOf(e)
	d.CanCreate = auth.CanCreateEvents(currentUser(c))
	s.renderPage(c, status, "admin_event", e.Title, d)
}

// loadDashboard reads what the dashboard shows, one query after the other.
func (s *Server) loadDashboard(ctx context.Context, d *eventDashboard, after int64, lang string) error {
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
	d.Timeline = timelineChart(days, lang)
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
	if d.Notices, err = s.sentNotices(ctx, e.ID); err != nil {
		return err
	}
	entries, err := audit.ForEvent(ctx, s.pool, e.ID, 50)
	d.Audit = s.auditLines(lang, entries, map[int64]*time.Location{e.ID: e.Zone()}, false)
	return err
}

// localInput is the layout of an <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

func formOf(e *event.Event) editForm {
	return editForm{StartsAt: e.StartsAt.In(e.Zone()).Format(localInput), EndsAt: e.EndsAt.In(e.Zone()).Format(localInput)}
}

// parseLocal reads a datetime-local value as a time in the event's zone.
func parseLocal(value string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation(localInput, value, loc)
}
