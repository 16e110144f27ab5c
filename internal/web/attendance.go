package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// attendancePageSize is how many registrations the attendance list shows at once: a page that
// loads quickly and ticks through on a phone at the door. Larger events page on.
const attendancePageSize = 100

// attendanceFilter is what the attendance list shows: a search, a status ("" = confirmed,
// "all" = every status), whether marked ("yes", "no", "" = both), from which registration on.
type attendanceFilter struct {
	Search, Status, Attended string
	After                    int64
}

// attendanceFilterOf reads the filter from a query or a submitted form.
func attendanceFilterOf(get func(string) string) attendanceFilter {
	f := attendanceFilter{Search: strings.TrimSpace(get("q")), Status: get("status"), Attended: get("attended")}
	if f.Status != "all" && !registrationStatuses[f.Status] {
		f.Status = ""
	}
	if f.Attended != "yes" && f.Attended != "no" {
		f.Attended = ""
	}
	f.After, _ = strconv.ParseInt(get("after"), 10, 64)
	return f
}

// query is the filter as a query string, with after as given (0: from the start).
func (f attendanceFilter) query(after int64) string {
	q := url.Values{}
	for name, value := range map[string]string{"q": f.Search, "status": f.Status, "attended": f.Attended} {
		if value != "" {
			q.Set(name, value)
		}
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	return q.Encode()
}

func (f attendanceFilter) options() registration.ListOptions {
	opt := registration.ListOptions{Status: f.Status, Search: f.Search, AfterID: f.After, Limit: attendancePageSize + 1}
	switch f.Status {
	case "":
		opt.Status = registration.StatusConfirmed
	case "all":
		opt.Status = ""
	}
	if f.Attended != "" {
		opt.Attended = ptr(f.Attended == "yes")
	}
	return opt
}

// attendanceView is the page "Teilnahme erfassen".
type attendanceView struct {
	Event         *event.Event
	Counts        registration.Counts
	Filter        attendanceFilter
	Registrations []registration.Registration
	Joins         map[int64]registration.Joins
	// NextHref leads to the next page of the list, FirstHref back to its start; empty when
	// there is none.
	NextHref, FirstHref string
	// Done is what the last save did; Problem why it did nothing.
	Done    *registration.AttendanceChange
	Problem string
}

func (s *Server) attendancePageRoutes(admin *gin.RouterGroup) {
	s.eventPageRoute(admin, "GET", "/events/:slug/attendance", needOrganizer, s.attendancePage)
	s.eventPageRoute(admin, "POST", "/events/:slug/attendance", needOrganizer, s.saveAttendancePage, s.audited("attendance.changed"))
}

func (s *Server) attendanceRoutes(api routes) {
	s.eventRoute(api, "POST", "/events/:slug/attendance", needOrganizer, s.bulkAttendance, s.audited("attendance.changed"))
}

func (s *Server) attendancePage(c *gin.Context, e *event.Event) {
	v := attendanceView{Filter: attendanceFilterOf(c.Query)}
	if c.Query("done") != "" {
		v.Done = &registration.AttendanceChange{}
		v.Done.Marked, _ = strconv.Atoi(c.Query("marked"))
		v.Done.Unmarked, _ = strconv.Atoi(c.Query("unmarked"))
	}
	s.renderAttendance(c, http.StatusOK, e, v)
}

func (s *Server) renderAttendance(c *gin.Context, status int, e *event.Event, v attendanceView) {
	ctx := c.Request.Context()
	v.Event = e
	var err error
	if v.Counts, err = registration.CountsOf(ctx, s.pool, e.ID); err != nil {
		s.pageError(c, err)
		return
	}
	if v.Registrations, err = registration.List(ctx, s.pool, e.ID, v.Filter.options()); err != nil {
		s.pageError(c, err)
		return
	}
	lang := pageLang(c)
	if len(v.Registrations) > attendancePageSize {
		v.Registrations = v.Registrations[:attendancePageSize]
		v.NextHref = attendanceHref(e, v.Filter.query(v.Registrations[attendancePageSize-1].ID), lang) + "#liste"
	}
	if v.Filter.After > 0 {
		v.FirstHref = attendanceHref(e, v.Filter.query(0), lang) + "#liste"
	}
	if v.Joins, err = registration.JoinsOf(ctx, s.pool, registrationIDs(v.Registrations)); err != nil {
		s.pageError(c, err)
		return
	}
	s.renderPage(c, status, "attendance", s.messages.T(pageLang(c), "attendance.title", nil)+" – "+e.Title, v)
}

// saveAttendancePage saves the list's check boxes: the rows it showed (shown) are attended when
// ticked (present) and not when not, or all of them with the button that marks every row shown. It then
// shows the same part of the list again, saying what changed.
func (s *Server) saveAttendancePage(c *gin.Context, e *event.Event) {
	filter := attendanceFilterOf(c.PostForm)
	shown, badShown := formIDs(c.PostFormArray("shown"))
	ticked, badTicked := formIDs(c.PostFormArray("present"))
	var attend, absent []int64
	if c.PostForm("all") == "yes" {
		attend = shown
	} else {
		attend = ticked
		isTicked := map[int64]bool{}
		for _, id := range ticked {
			isTicked[id] = true
		}
		for _, id := range shown {
			if !isTicked[id] {
				absent = append(absent, id)
			}
		}
	}
	if len(attend)+len(absent) == 0 && !badShown && !badTicked {
		// An empty list saved: nothing to change.
		c.Set(auditSkipKey, true)
		c.Redirect(http.StatusSeeOther, attendanceHref(e, filter.query(filter.After), pageLang(c)))
		return
	}
	var change registration.AttendanceChange
	var err error
	if badShown || badTicked {
		v := &domain.ValidationError{}
		v.Problem("ids", "unknown_registrations", domain.Params{"Count": 1}, "the form names a registration that does not exist")
		err = v
	} else {
		change, err = registration.SetAttendance(c.Request.Context(), s.pool, e.ID, attend, absent)
	}
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) {
		lang := pageLang(c)
		var problems []string
		for _, f := range invalid.Fields {
			problems = append(problems, s.problemText(lang, f))
		}
		s.renderAttendance(c, http.StatusUnprocessableEntity, e, attendanceView{Filter: filter, Problem: strings.Join(problems, " ")})
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	noteAudit(c, "marked", strconv.Itoa(change.Marked))
	noteAudit(c, "unmarked", strconv.Itoa(change.Unmarked))
	c.Set(auditSkipKey, change == registration.AttendanceChange{})
	done := fmt.Sprintf("done=1&marked=%d&unmarked=%d", change.Marked, change.Unmarked)
	if q := filter.query(filter.After); q != "" {
		done += "&" + q
	}
	c.Redirect(http.StatusSeeOther, attendanceHref(e, done, pageLang(c))+"#liste")
}

// attendanceHref is the address of the attendance list with a query, in the page's language.
func attendanceHref(e *event.Event, query, lang string) string {
	href := "/admin/events/" + e.Slug + "/attendance"
	if query += langQuery(lang, "&"); query != "" {
		href += "?" + strings.TrimPrefix(query, "&")
	}
	return href
}

// formIDs reads registration ids from a form; bad tells that one was not an id.
func formIDs(values []string) (ids []int64, bad bool) {
	for _, raw := range values {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			return nil, true
		}
		ids = append(ids, id)
	}
	return ids, false
}

// bulkAttendance marks many registrations as attended, or not, at once:
// {"ids": [...], "attended": true}, at most registration.MaxAttendanceIDs ids.
func (s *Server) bulkAttendance(c *gin.Context, e *event.Event) {
	var ids []int64
	var attended *bool
	if err := readFields(c, map[string]any{"ids": &ids, "attended": &attended}); err != nil {
		s.respondError(c, err)
		return
	}
	if attended == nil {
		v := &domain.ValidationError{}
		v.Problem("attended", "required", nil, "is required: true marks the registrations as attended, false unmarks them")
		s.respondError(c, v)
		return
	}
	var attend, absent []int64
	if *attended {
		attend = ids
	} else {
		absent = ids
	}
	change, err := registration.SetAttendance(c.Request.Context(), s.pool, e.ID, attend, absent)
	if err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "marked", strconv.Itoa(change.Marked))
	noteAudit(c, "unmarked", strconv.Itoa(change.Unmarked))
	c.Set(auditSkipKey, change == registration.AttendanceChange{})
	s.writeJSON(c, http.StatusOK, change)
}
