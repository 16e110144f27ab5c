package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// adminAction is one form of the dashboard: it changes something and tells what went wrong.
type adminAction func(c *gin.Context, e *event.Event) error

// adminActionRoutes registers the dashboard's forms. Each needs the event's organizer, is
// audited, and ends in a redirect to the dashboard that says what was done.
func (s *Server) adminActionRoutes(admin *gin.RouterGroup) {
	actions := []struct {
		path, name string
		do         adminAction
	}{
		{"/publish", "event.published", s.publishAction},
		{"/panelists", "panelist.created", s.addPanelistAction},
		{"/panelists/:id/delete", "panelist.deleted", s.deletePanelistAction},
		{"/agenda", "agenda.created", s.addAgendaAction},
		{"/agenda/:id/delete", "agenda.deleted", s.deleteAgendaAction},
		{"/members", "member.added", s.addMemberAction},
		{"/members/:user_id/delete", "member.removed", s.removeMemberAction},
		{"/mail/:id/retry", "mail.retried", s.retryMailAction},
		{"/registrations/:id", "registration.changed", s.changeRegistrationAction},
		{"/registrations/:id/reinstate", "registration.reinstated", s.reinstateAction},
		{"/followup", "followup.sent", s.followupAction},
	}
	for _, a := range actions {
		var limits []gin.HandlerFunc
		if a.name == "member.added" { // may invite someone new by mail
			limits = append(limits, s.limitPerUser("invitation", invitationRate))
		}
		s.eventPageRoute(admin, "POST", "/events/:slug"+a.path, needOrganizer, s.adminForm(a.name, a.do), append(limits, s.audited(a.name))...)
	}
}

// adminForm runs an action: on success back to the dashboard, on bad input the dashboard again
// with the problem.
func (s *Server) adminForm(name string, do adminAction) func(*gin.Context, *event.Event) {
	return func(c *gin.Context, e *event.Event) {
		err := do(c, e)
		if err == nil {
			done := name
			if outcome := c.GetString(doneKey); outcome != "" {
				done = outcome
			}
			c.Redirect(http.StatusSeeOther, "/admin/events/"+e.Slug+"?done="+done)
			return
		}
		if p, ok := s.problemOf(pageLang(c), err, nil); ok {
			s.renderDashboard(c, p.Status, e, "", p.Text, &failedForm{Action: name, Values: c.Request.PostForm, Fields: p.Fields})
			return
		}
		s.pageError(c, err)
	}
}

// doneKey names what an action's success message should say when it depends on the outcome
// (a reinstated registration got a seat, or a place on the waitlist); by default the action's
// name does.
const doneKey = "done"

// formSpan reads starts_at and ends_at of a form, given in the event's time zone.
func formSpan(c *gin.Context, e *event.Event, v *domain.ValidationError) (start, end time.Time) {
	var err error
	if start, err = parseLocal(c.PostForm("starts_at"), e.Zone()); err != nil {
		v.Problem("starts_at", "invalid_datetime", nil, "must be a date and time")
	}
	if end, err = parseLocal(c.PostForm("ends_at"), e.Zone()); err != nil {
		v.Problem("ends_at", "invalid_datetime", nil, "must be a date and time")
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
		c.Set(doneKey, "member.invited")
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
	noteAudit(c, "change", registrationChanges(ch))
	_, err = registration.ChangeByOrganizer(c.Request.Context(), s.pool, e, id, ch, s.now())
	return err
}

// reinstateAction takes back the cancellation of a registration: a seat if one is free, else
// the waitlist.
func (s *Server) reinstateAction(c *gin.Context, e *event.Event) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := registration.Reinstate(c.Request.Context(), s.pool, e, id, s.now())
	if err != nil {
		return err
	}
	noteAudit(c, "change", r.Status)
	c.Set(doneKey, "registration.reinstated."+r.Status)
	return nil
}
