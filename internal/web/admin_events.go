package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// eventPageRoutes registers the pages that run an event from the browser alone: create it, change
// every field, copy it to a new date, cancel it with a message, delete a draft. Each needs the
// event's organizer (creating and copying: someone who may create events), is audited, and shows
// its own form again, with what was typed and each problem next to its field, when it fails.
func (s *Server) eventPageRoutes(admin *gin.RouterGroup) {
	admin.GET("/events/new", s.eventNewPage)
	admin.POST("/events/new", s.audited("event.created"), s.eventCreate)
	s.eventPageRoute(admin, "GET", "/events/:slug/edit", needOrganizer, s.eventEditPage)
	s.eventPageRoute(admin, "POST", "/events/:slug/edit", needOrganizer, s.eventSave, s.audited("event.updated"))
	s.eventPageRoute(admin, "GET", "/events/:slug/duplicate", needOrganizer, s.eventDuplicatePage)
	s.eventPageRoute(admin, "POST", "/events/:slug/duplicate", needOrganizer, s.eventDuplicate, s.audited("event.duplicated"))
	s.eventPageRoute(admin, "GET", "/events/:slug/cancel", needOrganizer, s.eventCancelPage)
	s.eventPageRoute(admin, "POST", "/events/:slug/cancel", needOrganizer, s.eventCancel, s.audited("event.cancelled"))
	s.eventPageRoute(admin, "GET", "/events/:slug/delete", needOrganizer, s.eventDeletePage)
	s.eventPageRoute(admin, "POST", "/events/:slug/delete", needOrganizer, s.eventDelete, s.audited("event.deleted"))
	s.formQuestionRoutes(admin)
}

// eventFormView is the page that creates or changes an event.
type eventFormView struct {
	Event   *event.Event // nil: a new event
	Groups  []fieldGroup
	Errors  []adminField // the fields with a problem, in form order
	Alerts  []string     // problems of no field: a stale copy, a cancelled event
	Action  string
	Version int64
}

// creator returns the user if they may create events, or shows that they may not.
func (s *Server) creator(c *gin.Context) (*auth.User, bool) {
	u := currentUser(c)
	if !auth.CanCreateEvents(u) {
		s.pageError(c, domain.ErrForbidden)
		return nil, false
	}
	return u, true
}

func dashboardPath(e *event.Event) string { return "/admin/events/" + e.Slug }

func (s *Server) eventNewPage(c *gin.Context) {
	u, ok := s.creator(c)
	if !ok {
		return
	}
	in := event.NewInput()
	in.OrganizerName, in.OrganizerEmail = u.Name, u.Email
	s.renderEventForm(c, http.StatusOK, nil, eventFormOf(in), nil)
}

// eventCreate stores a new event as a draft; its creator becomes its organizer and lands on its
// dashboard.
func (s *Server) eventCreate(c *gin.Context) {
	u, ok := s.creator(c)
	if !ok {
		return
	}
	f := readEventForm(c)
	in := event.NewInput()
	read := &domain.ValidationError{}
	f.apply(&in, read)
	err := checkedInput(in, read)
	var e *event.Event
	if err == nil {
		e, err = event.Create(c.Request.Context(), s.pool, in, u)
	}
	if err != nil {
		s.renderEventForm(c, errorStatus(err), nil, f, err)
		return
	}
	c.Set(eventKey, e)
	c.Redirect(http.StatusSeeOther, dashboardPath(e)+"?done=event.created")
}

func (s *Server) eventEditPage(c *gin.Context, e *event.Event) {
	if e.Status == event.StatusCancelled {
		s.pageError(c, &domain.ConflictError{Code: "cancelled", Message: "a cancelled event cannot be changed"})
		return
	}
	s.renderEventForm(c, http.StatusOK, e, eventFormOf(event.InputOf(e)), nil)
}

// eventSave applies the edit form to the event as it is when the change commits, only if nobody
// saved another version since the form was filled (it carries the version it was filled from).
func (s *Server) eventSave(c *gin.Context, e *event.Event) {
	f := readEventForm(c)
	updated, err := registration.ChangeEvent(c.Request.Context(), s.pool, e.ID, formVersion(c), func(current *event.Event) (event.Input, error) {
		in := event.InputOf(current)
		read := &domain.ValidationError{}
		f.apply(&in, read)
		return in, checkedInput(in, read)
	}, s.now())
	if err != nil {
		s.renderEventForm(c, errorStatus(err), e, f, err)
		return
	}
	c.Redirect(http.StatusSeeOther, dashboardPath(updated)+"?done=event.updated")
}

// formVersion is the precondition of a form that carries the version of the event it was
// filled from.
func formVersion(c *gin.Context) event.Precondition {
	raw := c.PostForm("version")
	if raw == "" {
		return event.Precondition{}
	}
	version, _ := strconv.ParseInt(raw, 10, 64)
	return event.Precondition{Set: true, Versions: []int64{version}}
}

// errorStatus is the status of a page that shows its form again because of err.
func errorStatus(err error) int {
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusConflict
}

// formErrors sorts the problems of err into those of the form's controls and those of none, in
// the page's language. An error that is no problem of the input is returned for the error page.
func (s *Server) formErrors(c *gin.Context, err error, control func(field string) string) (map[string]string, []string, error) {
	if err == nil {
		return map[string]string{}, nil, nil
	}
	lang := pageLang(c)
	p, ok := s.problemOf(lang, err, nil)
	if !ok {
		return nil, nil, err
	}
	// The words are problemOf's; a form of many controls places them at its own controls.
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) {
		errs, rest := s.formProblems(lang, invalid, control)
		return errs, rest, nil
	}
	var conflict *domain.ConflictError
	if errors.As(err, &conflict) && conflict.Field != "" {
		if name := control(conflict.Field); name != "" {
			return map[string]string{name: p.Text}, nil, nil
		}
	}
	return map[string]string{}, []string{p.Text}, nil
}

// renderEventForm shows the event form filled with f, and err's problems next to their fields.
func (s *Server) renderEventForm(c *gin.Context, status int, e *event.Event, f eventForm, err error) {
	lang := pageLang(c)
	errs, alerts, err := s.formErrors(c, err, eventFormControl)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v := eventFormView{Event: e, Groups: f.groups(s, lang, errs), Alerts: alerts, Action: "/admin/events/new"}
	for _, g := range v.Groups {
		v.Errors = append(v.Errors, withErrors(g.Fields)...)
	}
	title := s.messages.T(lang, "eventform.new.title", nil)
	if e != nil {
		v.Action, v.Version = dashboardPath(e)+"/edit", e.Version
		title = s.messages.T(lang, "eventform.edit.title", map[string]any{"Title": e.Title})
	}
	if len(v.Errors) > 0 || len(alerts) > 0 {
		title = s.messages.T(lang, "form.errortitle", nil) + " – " + title
	}
	s.renderPage(c, status, "event_form", title, v)
}

// stepView is a page of one step on an event (copy, cancel, delete) with its form.
type stepView struct {
	Event  *event.Event
	Fields []adminField
	Errors []adminField
	Alerts []string
	// People is how many registered people a cancellation tells.
	People int
}

// renderStep shows the page called name about v.Event with its fields, made by fields with the
// problems of err by control.
func (s *Server) renderStep(c *gin.Context, status int, name, titleID string, v stepView, err error,
	control func(string) string, fields func(errs map[string]string) []adminField) {
	errs, alerts, err := s.formErrors(c, err, control)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v.Fields, v.Alerts = fields(errs), alerts
	v.Errors = withErrors(v.Fields)
	e := v.Event
	lang := pageLang(c)
	title := s.messages.T(lang, titleID, map[string]any{"Title": e.Title})
	if len(v.Errors) > 0 || len(alerts) > 0 {
		title = s.messages.T(lang, "form.errortitle", nil) + " – " + title
	}
	s.renderPage(c, status, name, title, v)
}

// duplicateFields is the copy form: a new title, slug and start, the start's clock proposed
// from the original.
func (s *Server) duplicateFields(c *gin.Context, e *event.Event, title, slug, date, clock string) func(map[string]string) []adminField {
	return func(errs map[string]string) []adminField {
		m := fieldMaker{s: s, lang: pageLang(c), prefix: "d-", errs: errs}
		return []adminField{
			m.text("title", "eventform.title", title, true),
			m.text("slug", "eventform.slug", slug, false),
			m.when("starts_at", "duplicate.starts_at", date, clock, true),
		}
	}
}

func duplicateControl(field string) string {
	switch field {
	case "title", "slug":
		return field
	case "starts_at", "ends_at":
		return "starts_at"
	}
	return ""
}

func (s *Server) eventDuplicatePage(c *gin.Context, e *event.Event) {
	if _, ok := s.creator(c); !ok {
		return
	}
	_, clock := dateAndClock(e.StartsAt, e.Zone())
	s.renderStep(c, http.StatusOK, "admin_duplicate", "duplicate.title", stepView{Event: e}, nil, duplicateControl,
		s.duplicateFields(c, e, e.Title, "", "", clock))
}

// eventDuplicate copies the event to a new date as a draft and leads to the copy's dashboard.
func (s *Server) eventDuplicate(c *gin.Context, e *event.Event) {
	u, ok := s.creator(c)
	if !ok {
		return
	}
	title, slug := c.PostForm("title"), c.PostForm("slug")
	date, clock := c.PostForm("starts_at_date"), c.PostForm("starts_at_time")
	read := &domain.ValidationError{}
	start := readWhen(read, "starts_at", date, clock, e.Zone())
	var err error = read
	var copied *event.Event
	if len(read.Fields) == 0 {
		copied, err = panel.Duplicate(c.Request.Context(), s.pool, e, event.Copy{Title: title, Slug: slug, StartsAt: zeroIfNil(start)}, u)
	}
	if err != nil {
		s.renderStep(c, errorStatus(err), "admin_duplicate", "duplicate.title", stepView{Event: e}, err, duplicateControl,
			s.duplicateFields(c, e, title, slug, date, clock))
		return
	}
	// The copy's log says where it came from.
	c.Set(eventKey, copied)
	c.Params = append(c.Params, gin.Param{Key: "from", Value: e.Slug})
	c.Redirect(http.StatusSeeOther, dashboardPath(copied)+"?done=event.duplicated")
}

// cancelFields is the cancellation form: the message to the attendees and the confirmation.
func (s *Server) cancelFields(c *gin.Context, message string) func(map[string]string) []adminField {
	return func(errs map[string]string) []adminField {
		m := fieldMaker{s: s, lang: pageLang(c), prefix: "c-", errs: errs}
		confirm := m.checkbox("confirm", "admin.cancel.confirm", false)
		confirm.Required = true
		return []adminField{m.textarea("message", "cancel.message", message, 6, false), confirm}
	}
}

func cancelControl(field string) string {
	if field == "message" || field == "confirm" {
		return field
	}
	return ""
}

func (s *Server) eventCancelPage(c *gin.Context, e *event.Event) {
	if e.Status != event.StatusPublished {
		s.pageError(c, &domain.ConflictError{Code: "not_published", Message: "only a published event can be cancelled"})
		return
	}
	s.renderCancel(c, http.StatusOK, e, "", nil)
}

// renderCancel shows the cancellation page, which says how many people it tells.
func (s *Server) renderCancel(c *gin.Context, status int, e *event.Event, message string, err error) {
	counts, cerr := registration.CountsOf(c.Request.Context(), s.pool, e.ID)
	if cerr != nil {
		s.pageError(c, cerr)
		return
	}
	v := stepView{Event: e, People: counts.Confirmed + counts.Waitlisted + counts.Pending}
	s.renderStep(c, status, "admin_cancel", "cancel.title", v, err, cancelControl, s.cancelFields(c, message))
}

// eventCancel cancels the event after the organizer ticked the confirmation; every registered
// person gets the cancellation with the organizer's message.
func (s *Server) eventCancel(c *gin.Context, e *event.Event) {
	message := c.PostForm("message")
	var err error
	if c.PostForm("confirm") != "on" {
		v := &domain.ValidationError{}
		v.Problem("confirm", "confirm_cancel", nil, "tick the box to confirm the cancellation; every attendee is told")
		err = v
	} else {
		_, err = registration.CancelEventWithMessage(c.Request.Context(), s.pool, e, message, s.now())
	}
	if err != nil {
		s.renderCancel(c, errorStatus(err), e, message, err)
		return
	}
	c.Redirect(http.StatusSeeOther, dashboardPath(e)+"?done=event.cancelled")
}

func (s *Server) eventDeletePage(c *gin.Context, e *event.Event) {
	if e.Status != event.StatusDraft {
		s.pageError(c, &domain.ConflictError{Code: "only_drafts_deleted", Message: "only drafts can be deleted"})
		return
	}
	s.renderStep(c, http.StatusOK, "admin_delete", "delete.title", stepView{Event: e}, nil, func(string) string { return "" },
		func(map[string]string) []adminField { return nil })
}

// eventDelete removes a draft, with its panel, agenda and questions, and leads to the list.
func (s *Server) eventDelete(c *gin.Context, e *event.Event) {
	if err := event.Delete(c.Request.Context(), s.pool, e); err != nil {
		s.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin?done=event.deleted")
}
