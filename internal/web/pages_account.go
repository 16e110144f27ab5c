package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
)

// AccountNeed is what a page about accounts needs of its caller.
type AccountNeed string

// What account pages need.
const (
	NeedLogin AccountNeed = "login" // anyone logged in, about their own account
	NeedAdmin AccountNeed = "admin" // admins, about every account
)

// AccountPermission is one route of the account pages and what its caller needs.
type AccountPermission struct {
	Method, Path string
	Need         AccountNeed
}

// accountRoute registers a page about accounts with what its caller needs: a browser without a
// session is sent to log in, a logged-in person without the role gets 403.
func (s *Server) accountRoute(g *gin.RouterGroup, method, path string, need AccountNeed, handlers ...gin.HandlerFunc) {
	s.accountPermissions = append(s.accountPermissions, AccountPermission{Method: method, Path: path, Need: need})
	chain := []gin.HandlerFunc{privatePage, s.requireLogin}
	if need == NeedAdmin {
		chain = append(chain, s.requireAdmin)
	}
	g.Handle(method, path, append(chain, handlers...)...)
}

// AccountPermissions lists the account pages with what they need, for the permission table test.
func (s *Server) AccountPermissions() []AccountPermission {
	return append([]AccountPermission(nil), s.accountPermissions...)
}

func (s *Server) requireAdmin(c *gin.Context) {
	if !currentUser(c).IsAdmin() {
		s.pageError(c, domain.ErrForbidden)
		c.Abort()
		return
	}
	c.Next()
}

func (s *Server) accountRoutes(pages *gin.RouterGroup) {
	s.accountRoute(pages, "GET", "/account", NeedLogin, s.accountPage)
	// The current password is guessed no faster here than on the login page.
	s.accountRoute(pages, "POST", "/account/password", NeedLogin, s.limitPerAddress("login", loginRate), s.audited("account.password_changed"), s.changePassword)
	s.accountRoute(pages, "GET", "/account/tokens", NeedLogin, s.tokensPage)
	s.accountRoute(pages, "POST", "/account/tokens", NeedLogin, s.audited("token.created"), s.createToken)
	s.accountRoute(pages, "POST", "/account/tokens/:id/revoke", NeedLogin, s.audited("token.revoked"), s.revokeToken)
	s.adminAccountRoutes(pages)
}

// accountView is /account: who is logged in, and the form to change the password.
type accountView struct {
	User *auth.User
	Done string
	Form *accountForm
}

var passwordChangeFields = append([]fieldOf{{"current", "password", "current-password"}}, passwordFields...)

// accountDone are the messages /account shows after something was done.
var accountDone = map[string]bool{"invitation": true, "reset": true, "password": true}

func (s *Server) accountPage(c *gin.Context) {
	f, _ := s.accountFormOf(c, "password", passwordChangeFields, nil)
	done := c.Query("done")
	if !accountDone[done] {
		done = ""
	}
	s.renderAccount(c, http.StatusOK, f, done)
}

func (s *Server) renderAccount(c *gin.Context, status int, f *accountForm, done string) {
	lang := pageLang(c)
	f.field("password").Hint = s.passwordRules(lang)
	v := accountView{User: currentUser(c), Form: f}
	if done != "" {
		v.Done = s.messages.T(lang, "account.done."+done, nil)
	}
	s.renderPage(c, status, "account", s.messages.T(lang, "account.title", nil), v)
}

// changePassword sets a new password; the person's other sessions end, this one stays.
func (s *Server) changePassword(c *gin.Context) {
	session, _ := c.Cookie(sessionCookie)
	in := auth.PasswordChange{Current: c.PostForm("current"), Password: c.PostForm("password"), Repeat: c.PostForm("repeat")}
	err := auth.ChangePassword(c.Request.Context(), s.pool, currentUser(c), in, session)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/account?done=password"+langQuery(pageLang(c), "&"))
		return
	}
	f, ok := s.accountFormOf(c, "password", passwordChangeFields, err)
	if !ok {
		s.pageError(c, err)
		return
	}
	s.renderAccount(c, http.StatusUnprocessableEntity, f, "")
}

// tokensView is /account/tokens: the person's API tokens, and a new one once, right after it
// was made.
type tokensView struct {
	Tokens          []auth.Token
	Form            *accountForm
	Secret, Created string
	Done            string
	Zone            *time.Location
	Max             int
}

var tokenFields = []fieldOf{{"name", "text", "off"}}

func (s *Server) tokensPage(c *gin.Context) {
	f, _ := s.accountFormOf(c, "token", tokenFields, nil)
	done := ""
	if c.Query("done") == "revoked" {
		done = s.messages.T(pageLang(c), "tokens.revoked", nil)
	}
	s.renderTokens(c, http.StatusOK, f, "", "", done)
}

func (s *Server) renderTokens(c *gin.Context, status int, f *accountForm, secret, created, done string) {
	ts, err := auth.Tokens(c.Request.Context(), s.pool, currentUser(c).ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v := tokensView{Tokens: ts, Form: f, Secret: secret, Created: created, Done: done, Zone: pageZone(), Max: auth.MaxActiveTokens}
	s.renderPage(c, status, "tokens", s.messages.T(pageLang(c), "tokens.title", nil), v)
}

// createToken makes a token and shows its secret on this one answer: it is stored as a hash
// only, and no later page can show it again.
func (s *Server) createToken(c *gin.Context) {
	secret, t, err := auth.CreateNamedToken(c.Request.Context(), s.pool, currentUser(c).ID, c.PostForm("name"))
	if err != nil {
		f, ok := s.accountFormOf(c, "token", tokenFields, err)
		if !ok {
			s.pageError(c, err)
			return
		}
		s.renderTokens(c, statusOf(err), f, "", "", "")
		return
	}
	c.Set(auditDetailKey, "token_id="+strconv.FormatInt(t.ID, 10))
	f, _ := s.accountFormOf(c, "token", tokenFields, nil)
	s.renderTokens(c, http.StatusCreated, f, secret, t.Name, "")
}

func (s *Server) revokeToken(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if err := auth.RevokeToken(c.Request.Context(), s.pool, currentUser(c).ID, id); errors.Is(err, auth.ErrNotFound) {
		s.pageError(c, domain.ErrNotFound)
		return
	} else if err != nil {
		s.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/tokens?done=revoked"+langQuery(pageLang(c), "&"))
}

// pageZone is the time zone of the times on the account pages: Podium's people work in
// Germany, and an account belongs to no event with a zone of its own.
func pageZone() *time.Location {
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return zone
}
