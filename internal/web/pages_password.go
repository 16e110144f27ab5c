package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/auth"
)

// Rates of asking for a password reset, which mails someone: per client address, and per
// address typed in, so that neither one client nor many together can fill an inbox. The limit
// per typed address is the same whether it has an account or not.
var (
	resetRateAddress = limiter.Rate{Period: time.Hour, Limit: 20}
	resetRateEmail   = limiter.Rate{Period: time.Hour, Limit: 3}
)

// The pages behind the links of invitation and reset mails, and the page to ask for a reset.
// Opening a link changes nothing (mail scanners open every link); only sending its form does.
func (s *Server) passwordRoutes(pages *gin.RouterGroup) {
	pages.GET("/password/forgot", privatePage, s.forgotPage)
	pages.POST("/password/forgot", privatePage, s.limitPerAddress("password-reset", resetRateAddress),
		s.limitPerEmail("password-reset-email", resetRateEmail), s.forgot)
	pages.GET("/password/reset/:token", privatePage, s.resetPage)
	pages.POST("/password/reset/:token", privatePage, s.limitPerAddress("login", loginRate), s.audited("account.password_reset"), s.reset)
	pages.GET("/invitation/:token", privatePage, s.invitationPage)
	pages.POST("/invitation/:token", privatePage, s.limitPerAddress("login", loginRate), s.audited("account.activated"), s.acceptInvitation)
}

// forgotView is the page to ask for a reset link, and, once asked, what happens next.
type forgotView struct {
	Form         *accountForm
	Sent         bool
	ValidMinutes int
}

var forgotFields = []fieldOf{{"email", "email", "username"}}

func (s *Server) forgotPage(c *gin.Context) {
	f, _ := s.accountFormOf(c, "forgot", forgotFields, nil)
	s.renderForgot(c, http.StatusOK, f, c.Query("sent") == "1")
}

func (s *Server) renderForgot(c *gin.Context, status int, f *accountForm, sent bool) {
	s.renderPage(c, status, "forgot", s.messages.T(pageLang(c), "forgot.title", nil),
		forgotView{Form: f, Sent: sent, ValidMinutes: int(auth.ResetValid / time.Minute)})
}

// forgot asks for a reset link. The answer is the same whether the address has an account or
// not: only its mailbox learns.
func (s *Server) forgot(c *gin.Context) {
	lang := pageLang(c)
	err := auth.RequestReset(c.Request.Context(), s.pool, auth.ManageKey(s.cfg.Secret), c.PostForm("email"), lang, s.now())
	if err != nil {
		f, ok := s.accountFormOf(c, "forgot", forgotFields, err)
		if !ok {
			s.pageError(c, err)
			return
		}
		s.renderForgot(c, http.StatusUnprocessableEntity, f, false)
		return
	}
	c.Redirect(http.StatusSeeOther, "/password/forgot?sent=1"+langQuery(lang, "&"))
}

// linkView is a page behind a mailed link: whose account, and the form that sets the password.
type linkView struct {
	Email  string
	Form   *accountForm
	Action string
}

// linkInvalid answers a link that does not work, saying what to do instead.
func (s *Server) linkInvalid(c *gin.Context, purpose string) {
	lang := pageLang(c)
	s.renderPage(c, http.StatusGone, "error", s.messages.T(lang, "link.invalid.title", nil),
		s.messages.T(lang, "link.invalid."+purpose, map[string]any{"Hours": strconv.Itoa(int(auth.ResetValid / time.Hour))}))
}

// renderLinkPage shows the form of a working link.
func (s *Server) renderLinkPage(c *gin.Context, status int, page string, l *auth.Link, fields []fieldOf, err error) {
	lang := pageLang(c)
	f, ok := s.accountFormOf(c, page, fields, err)
	if !ok {
		s.pageError(c, err)
		return
	}
	v := linkView{Email: l.Email, Form: f, Action: c.Request.URL.Path + langQuery(lang, "?")}
	f.field("password").Hint = s.passwordRules(lang)
	s.renderPage(c, status, page, s.messages.T(lang, page+".title", nil), v)
}

// passwordRules states the rules of internal/auth for the forms.
func (s *Server) passwordRules(lang string) string {
	return s.messages.T(lang, "account.password.rules", map[string]any{"Min": auth.MinPasswordLen, "Max": auth.MaxPasswordBytes})
}

// linked returns the working link of the request, or answers that it does not work.
func (s *Server) linked(c *gin.Context, purpose string) (*auth.Link, bool) {
	l, err := auth.LinkByToken(c.Request.Context(), s.pool, purpose, c.Param("token"), s.now())
	if errors.Is(err, auth.ErrLinkInvalid) {
		s.linkInvalid(c, purpose)
		return nil, false
	}
	if err != nil {
		s.pageError(c, err)
		return nil, false
	}
	return l, true
}

var invitationFields = append([]fieldOf{{"name", "text", "name"}}, passwordFields...)

func (s *Server) invitationPage(c *gin.Context) {
	if l, ok := s.linked(c, auth.PurposeInvitation); ok {
		s.renderLinkPage(c, http.StatusOK, "invitation", l, invitationFields, nil)
	}
}

// acceptInvitation sets the invited person's name and password and logs them in.
func (s *Server) acceptInvitation(c *gin.Context) {
	in := auth.Welcome{Name: c.PostForm("name"), Password: c.PostForm("password"), Repeat: c.PostForm("repeat")}
	u, secret, err := auth.AcceptInvitation(c.Request.Context(), s.pool, c.Param("token"), in, s.now())
	s.afterLink(c, auth.PurposeInvitation, "invitation", invitationFields, u, secret, err)
}

func (s *Server) resetPage(c *gin.Context) {
	if l, ok := s.linked(c, auth.PurposeReset); ok {
		s.renderLinkPage(c, http.StatusOK, "reset", l, passwordFields, nil)
	}
}

// reset sets a new password, which ends every session of the account, and logs the person in.
func (s *Server) reset(c *gin.Context) {
	in := auth.NewPassword{Password: c.PostForm("password"), Repeat: c.PostForm("repeat")}
	u, secret, err := auth.ResetPassword(c.Request.Context(), s.pool, c.Param("token"), in, s.now())
	s.afterLink(c, auth.PurposeReset, "reset", passwordFields, u, secret, err)
}

// afterLink logs in who used a link, or shows the form again with what is wrong.
func (s *Server) afterLink(c *gin.Context, purpose, page string, fields []fieldOf, u *auth.User, secret string, err error) {
	switch {
	case errors.Is(err, auth.ErrLinkInvalid):
		s.linkInvalid(c, purpose)
	case err != nil:
		if l, ok := s.linked(c, purpose); ok {
			s.renderLinkPage(c, http.StatusUnprocessableEntity, page, l, fields, err)
		}
	default:
		// The audit entry names the person who used the link.
		c.Set(userKey, u)
		s.setSessionCookie(c, secret, int(auth.SessionMax/time.Second))
		s.log.InfoContext(c.Request.Context(), "account link used", "request_id", requestID(c), "user_id", u.ID, "purpose", purpose)
		c.Redirect(http.StatusSeeOther, "/account?done="+page+langQuery(pageLang(c), "&"))
	}
}
