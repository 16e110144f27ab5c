package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/feedback"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/registration"
)

type manageView struct {
	Registration *registration.Registration
	Event        *event.Event
	Token        string
	Done         string // what just happened: confirmed, cancelled
	Problem      string // why the last action failed
	CanCancel    bool
	// HasSeat shows the join link and the calendar invite.
	HasSeat bool
	// HasCertificate offers the attendance certificate, AskFeedback the survey after the event.
	HasCertificate bool
	AskFeedback    bool
	// JoinURL is the personal join link, for a seat at an online event; JoinOpens says when it
	// opens. The meeting's own URL is never on the page.
	JoinURL, JoinOpens string
}

// privatePage keeps pages reached by a secret link out of caches and search engines.
func privatePage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex, nofollow")
	c.Next()
}

// managePage shows the holder of a manage link their registration, with the actions it allows.
func (s *Server) managePage(c *gin.Context) {
	s.renderManage(c, http.StatusOK, c.Query("done"), "")
}

func (s *Server) renderManage(c *gin.Context, status int, done, problem string) {
	token := c.Param("token")
	r, e, err := s.tokenHolder(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if done != registration.StatusConfirmed && done != registration.StatusCancelled {
		done = ""
	}
	lang := pageLang(c)
	v := manageView{Registration: r, Event: e, Token: token, Done: done, Problem: problem,
		CanCancel: r.Status != registration.StatusCancelled && !e.IsPast(s.now()),
		HasSeat:   holdsSeat(r, e), HasCertificate: hasCertificate(r, e, s.now())}
	asked, given, err := feedback.Asked(c.Request.Context(), s.pool, r, e, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	v.AskFeedback = asked && !given
	if v.HasSeat && e.OnlineURL != "" {
		opens := registration.JoinOpensAt(e, s.cfg.JoinOpensBefore)
		v.JoinURL = "/r/" + registration.JoinToken(auth.ManageKey(s.cfg.Secret), r) + "/join"
		v.JoinOpens = s.messages.T(lang, "manage.join.opens", map[string]any{
			"Date": i18n.LongDate(opens, e.Zone(), lang), "Time": i18n.Clock(opens, e.Zone(), lang)})
	}
	s.renderPage(c, status, "manage", s.messages.T(lang, "manage.title", nil), v)
}

// confirmView is the page behind the link in the confirmation mail.
type confirmView struct {
	Event *event.Event
	Token string
}

// confirmForm answers the link in the confirmation mail with a page whose one button confirms.
// Mail gateways open every link of a mail to scan it, so opening the link must change nothing.
// A registration that no longer waits for confirmation leads to its manage page.
func (s *Server) confirmForm(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	r, err := registration.ByToken(ctx, s.pool, token)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if r.Status != registration.StatusPending {
		c.Redirect(http.StatusSeeOther, "/r/"+token+langQuery(pageLang(c), "?"))
		return
	}
	e, err := event.ByID(ctx, s.pool, r.EventID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.renderPage(c, http.StatusOK, "confirm", s.messages.T(pageLang(c), "confirm.title", nil), confirmView{Event: e, Token: token})
}

// confirmPage confirms when the button on the confirmation or manage page is pressed.
func (s *Server) confirmPage(c *gin.Context) {
	_, err := registration.Confirm(c.Request.Context(), s.pool, c.Param("token"), s.now(), s.now().Add(-s.cfg.ConfirmWithin))
	s.afterAction(c, err, registration.StatusConfirmed)
}

func (s *Server) cancelPage(c *gin.Context) {
	_, _, err := registration.Cancel(c.Request.Context(), s.pool, c.Param("token"), s.now())
	s.afterAction(c, err, registration.StatusCancelled)
}

// afterAction shows the registration again: with what was done, or with why it could not be.
func (s *Server) afterAction(c *gin.Context, err error, done string) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/r/"+c.Param("token")+"?done="+done+langQuery(pageLang(c), "&"))
		return
	}
	if p, ok := s.problemOf(pageLang(c), err, nil); ok {
		s.renderManage(c, p.Status, "", p.Text)
		return
	}
	s.pageError(c, err)
}

// erasePage deletes the person's data at once; the link stops working, so the answer is a page
// of its own.
func (s *Server) erasePage(c *gin.Context) {
	if _, err := registration.Erase(c.Request.Context(), s.pool, c.Param("token"), s.now()); err != nil {
		s.pageError(c, err)
		return
	}
	lang := pageLang(c)
	s.renderPage(c, http.StatusOK, "error", s.messages.T(lang, "manage.erased.title", nil), s.messages.T(lang, "manage.erased.text", nil))
}
