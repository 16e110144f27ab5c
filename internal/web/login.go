package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/auth"
)

// sessionCookie holds a browser session's secret; the database keeps only its hash.
const sessionCookie = "podium_session"

// loginRate bounds password guesses per address.
var loginRate = limiter.Rate{Period: time.Minute, Limit: 10}

type loginView struct {
	Email, Next      string
	Failed, Disabled bool
}

func (s *Server) loginRoutes(pages *gin.RouterGroup) {
	pages.GET("/login", privatePage, s.loginPage)
	pages.POST("/login", privatePage, s.limitPerAddress("login", loginRate), s.login)
	pages.POST("/logout", s.logout)
}

func (s *Server) loginPage(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, localPath(c.Query("next")))
		return
	}
	next := "/admin"
	if c.Query("next") != "" {
		next = localPath(c.Query("next"))
	}
	s.renderPage(c, http.StatusOK, "login", s.messages.T(pageLang(c), "login.title", nil), loginView{Next: next})
}

func (s *Server) login(c *gin.Context) {
	email, password, next := c.PostForm("email"), c.PostForm("password"), localPath(c.PostForm("next"))
	if c.PostForm("next") == "" {
		next = "/admin"
	}
	ctx := c.Request.Context()
	u, err := auth.CheckPassword(ctx, s.pool, email, password)
	if errors.Is(err, auth.ErrBadLogin) || errors.Is(err, auth.ErrDisabled) {
		s.log.InfoContext(ctx, "login failed", "request_id", requestID(c), "disabled", errors.Is(err, auth.ErrDisabled))
		s.renderPage(c, http.StatusUnauthorized, "login", s.messages.T(pageLang(c), "login.title", nil),
			loginView{Email: email, Next: next, Failed: true, Disabled: errors.Is(err, auth.ErrDisabled)})
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	secret, err := auth.CreateSession(ctx, s.pool, u.ID, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.setSessionCookie(c, secret, int(auth.SessionMax/time.Second))
	s.log.InfoContext(ctx, "login", "request_id", requestID(c), "user_id", u.ID)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c *gin.Context) {
	if secret, err := c.Cookie(sessionCookie); err == nil {
		if err := auth.EndSession(c.Request.Context(), s.pool, secret); err != nil {
			s.pageError(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.BaseURL.Scheme == "https"})
}

// localPath keeps a redirect target on this site: a path, never another host.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

// requireLogin sends a browser without a session to the login page, and back afterwards.
func (s *Server) requireLogin(c *gin.Context) {
	if currentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Next()
}
