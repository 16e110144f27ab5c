package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// adminDoneKey names what an action did, when it says more than the action's name (a role given
// by inviting someone).
const adminDoneKey = "admin_done"

// adminAction is one form of the dashboard: it changes something and tells what went wrong.
type adminAction func(c *gin.Context, e *event.Event) error

// adminActionRoutes registers the dashboard's forms. Each needs the event's organizer, is
// audited, and ends in a redirect to the dashboard that says what was done.
func (s *Server) adminActionRoutes(admin *gin.RouterGroup) {
	actions := []struct {
		path, name string
		do         adminAction
	}{
		{"/edit", "event.updated", s.editEventAction},
		{"/publish", "event.published", s.publishAction},
		{"/cancel", "event.cancelled", s.cancelAction},
		{"/panelists", "panelist.created", s.addPanelistAction},
		{"/panelists/:id/delete", "panelist.deleted", s.deletePanelistAction},
		{"/agenda", "agenda.created", s.addAgendaAction},
		{"/agenda/:id/delete", "agenda.deleted", s.deleteAgendaAction},
		{"/members", "member.added", s.addMemberAction},
		{"/members/:user_id/delete", "member.removed", s.removeMemberAction},
		{"/mail/:id/retry", "mail.retried", s.retryMailAction},
		{"/registrations/:id", "registration.changed", s.changeRegistrationAction},
		{"/followup", "followup.sent", s.followupAction},
	}
	for _, a := range actions {
		handlers := []gin.HandlerFunc{s.audited(a.name), s.adminForm(a.name, a.do)}
		if a.name == "member.added" {
			handlers = append([]gin.HandlerFunc{s.limitPerUser("invitation", invitationRate)}, handlers...)
		}
		admin.POST("/events/:slug"+a.path, handlers...)
	}
}

// adminForm runs an action: on success back to the dashboard, on bad input the dashboard again
// with the problem, the edit form keeping what was typed.
func (s *Server) adminForm(name string, do adminAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, err := s.eventFor(c, needOrganizer)
		if err != nil {
			s.pageError(c, err)
			return
		}
		c.Set(eventKey, e)
		err = do(c, e)
		var invalid *domain.ValidationError
		var conflict *domain.ConflictError
		switch {
		case errors.As(err, &invalid):
			var fields []string
			for _, f := range invalid.Fields {
				fields = append(fields, f.Field+": "+s.problemText(pageLang(c), f))
			}
			s.renderDashboard(c, http.StatusUnprocessableEntity, e, "", strings.Join(fields, "; "), submittedForm(c, name))
		case errors.As(err, &conflict):
			s.renderDashboard(c, http.StatusConflict, e, "", s.conflictText(pageLang(c), conflict, conflict.Message), submittedForm(c, name))
		case errors.Is(err, domain.ErrStale):
			s.renderDashboard(c, http.StatusConflict, e, "", s.messages.T(pageLang(c), "admin.stale", nil), submittedForm(c, name))
		case err != nil:
			s.pageError(c, err)
		default:
			done := name
			if d := c.GetString(adminDoneKey); d != "" {
				done = d
			}
			c.Redirect(http.StatusSeeOther, "/admin/events/"+e.Slug+"?done="+done)
		}
	}
}

// submittedForm keeps the edit form's values after a failed edit.
func submittedForm(c *gin.Context, action string) *editForm {
	if action != "event.updated" {
		return nil
	}
	return &editForm{StartsAt: c.PostForm("starts_at"), EndsAt: c.PostForm("ends_at"), Location: c.PostForm("location"),
		OnlineURL: c.PostForm("online_url"), Capacity: c.PostForm("capacity")}
}

// editEventAction saves the edit form. The form carries the version it was filled from, so that
// an organizer does not overwrite, unseen, what a colleague saved meanwhile.
func (s *Server) editEventAction(c *gin.Context, e *event.Event) error {
	var pre event.Precondition
	if raw := c.PostForm("version"); raw != "" {
		version, _ := strconv.ParseInt(raw, 10, 64)
		pre = event.Precondition{Set: true, Versions: []int64{version}}
	}
	_, err := registration.ChangeEvent(c.Request.Context(), s.pool, e.ID, pre, func(current *event.Event) (event.Input, error) {
		in := event.InputOf(current)
		v := &domain.ValidationError{}
		in.StartsAt, in.EndsAt = formSpan(c, current, v)
		in.Location, in.OnlineURL = c.PostForm("location"), c.PostForm("online_url")
		in.Capacity = nil
		if raw := strings.TrimSpace(c.PostForm("capacity")); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				v.Add("capacity", "must be a whole number, or empty for no limit")
			}
			in.Capacity = &n
		}
		return in, v.OrNil()
	}, s.now())
	return err
}

// formSpan reads starts_at and ends_at of a form, given in the event's time zone.
func formSpan(c *gin.Context, e *event.Event, v *domain.ValidationError) (start, end time.Time) {
	var err error
	if start, err = parseLocal(c.PostForm("starts_at"), e.Zone()); err != nil {
		v.Add("starts_at", "must be a date and time")
	}
	if end, err = parseLocal(c.PostForm("ends_at"), e.Zone()); err != nil {
		v.Add("ends_at", "must be a date and time")
	}
	return start, end
}

func (s *Server) publishAction(c *gin.Context, e *event.Event) error {
	_, err := registration.ChangeEvent(c.Request.Context(), s.pool, e.ID, event.Precondition{}, func(current *event.Event) (event.Input, error) {
		in := event.InputOf(current)
		in.Status = event.StatusPublished
		return in, nil
	}, s.now())
	return err
}

func (s *Server) cancelAction(c *gin.Context, e *event.Event) error {
	if c.PostForm("confirm") != "yes" {
		v := &domain.ValidationError{}
		v.Add("confirm", "tick the box to confirm the cancellation; every attendee is told")
		return v
	}
	_, err := registration.CancelEvent(c.Request.Context(), s.pool, e, s.now())
	return err
}

func (s *Server) addPanelistAction(c *gin.Context, e *event.Event) error {
	in := panel.PanelistInput{Name: c.PostForm("name"), Role: c.PostForm("role"),
		Organization: c.PostForm("organization"), Municipality: c.PostForm("municipality")}
	_, err := panel.CreatePanelist(c.Request.Context(), s.pool, e.ID, in)
	return err
}

func (s *Server) deletePanelistAction(c *gin.Context, e *event.Event) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return panel.DeletePanelist(c.Request.Context(), s.pool, e.ID, id)
}

func (s *Server) addAgendaAction(c *gin.Context, e *event.Event) error {
	in := panel.AgendaItemInput{Title: c.PostForm("title"), Kind: c.PostForm("kind"), Description: c.PostForm("description")}
	v := &domain.ValidationError{}
	in.StartsAt, in.EndsAt = formSpan(c, e, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	_, err := panel.CreateAgendaItem(c.Request.Context(), s.pool, e, in)
	return err
}

func (s *Server) deleteAgendaAction(c *gin.Context, e *event.Event) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return panel.DeleteAgendaItem(c.Request.Context(), s.pool, e.ID, id)
}

// addMemberAction gives a role on the event; an address without an account is invited by mail,
// in the organizer's page language.
func (s *Server) addMemberAction(c *gin.Context, e *event.Event) error {
	m, invited, err := auth.GiveEventRole(c.Request.Context(), s.pool, auth.ManageKey(s.cfg.Secret), e.ID,
		c.PostForm("email"), c.PostForm("role"), pageLang(c), currentUser(c), s.now())
	if err == nil && invited {
		c.Set(auditDetailKey, "invited user_id="+strconv.FormatInt(m.UserID, 10))
		c.Set(adminDoneKey, "member.invited")
	}
	return err
}

func (s *Server) removeMemberAction(c *gin.Context, e *event.Event) error {
	id, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
	if err != nil {
		return domain.ErrNotFound
	}
	if err := auth.RemoveEventRole(c.Request.Context(), s.pool, e.ID, id); errors.Is(err, auth.ErrNotFound) {
		return domain.ErrNotFound
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Server) retryMailAction(c *gin.Context, e *event.Event) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return outbox.Requeue(c.Request.Context(), s.pool, registration.Recipients(e.ID), id)
}

func (s *Server) changeRegistrationAction(c *gin.Context, e *event.Event) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var ch registration.Change
	if status := c.PostForm("status"); status != "" {
		ch.Status = &status
	}
	if attended := c.PostForm("attended"); attended != "" {
		ch.Attended = ptr(attended == "yes")
	}
	_, err = registration.ChangeByOrganizer(c.Request.Context(), s.pool, e, id, ch, s.now())
	return err
}
