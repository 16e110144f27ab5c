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

// adminAccountRoutes registers /admin/accounts: every account and every working API token, the
// invitation form, and what admins do to an account.
func (s *Server) adminAccountRoutes(pages *gin.RouterGroup) {
	s.accountRoute(pages, "GET", "/admin/accounts", NeedAdmin, s.accountsPage)
	s.accountRoute(pages, "POST", "/admin/accounts/invite", NeedAdmin, s.limitPerUser("invitation", invitationRate), s.audited("account.invited"), s.inviteAccount)
	actions := []struct {
		path, name string
		do         func(c *gin.Context, id int64) error
	}{
		{"/admin/accounts/:id/reinvite", "account.invited", func(c *gin.Context, id int64) error {
			return auth.Reinvite(c.Request.Context(), s.pool, auth.ManageKey(s.cfg.Secret), id, pageLang(c), currentUser(c), s.now())
		}},
		{"/admin/accounts/:id/disable", "account.disabled", func(c *gin.Context, id int64) error {
			return auth.Disable(c.Request.Context(), s.pool, currentUser(c), id)
		}},
		{"/admin/accounts/:id/enable", "account.enabled", func(c *gin.Context, id int64) error {
			return auth.Enable(c.Request.Context(), s.pool, id)
		}},
		{"/admin/tokens/:id/revoke", "token.revoked", func(c *gin.Context, id int64) error {
			return auth.RevokeAnyToken(c.Request.Context(), s.pool, id)
		}},
	}
	for _, a := range actions {
		s.accountRoute(pages, "POST", a.path, NeedAdmin, s.audited(a.name), s.accountAction(a.name, a.do))
	}
}

// accountsView is /admin/accounts.
type accountsView struct {
	Accounts []auth.Account
	Tokens   []auth.OwnedToken
	Me       int64
	Form     *accountForm
	Done     string
	Problem  string
	Zone     *time.Location
	Now      time.Time
	Days     int
}

var inviteFields = []fieldOf{{"email", "email", "off"}, {"role", "select", ""}, {"language", "select", ""}}

func (s *Server) accountsPage(c *gin.Context) {
	f, _ := s.accountFormOf(c, "invite", inviteFields, nil)
	done := ""
	if name := c.Query("done"); accountsDone[name] {
		done = s.messages.T(pageLang(c), "admin.done."+name, nil)
	}
	s.renderAccounts(c, http.StatusOK, f, done, "")
}

// accountsDone are the messages /admin/accounts shows after something was done.
var accountsDone = map[string]bool{"account.invited": true, "account.disabled": true, "account.enabled": true, "token.revoked": true}

func (s *Server) renderAccounts(c *gin.Context, status int, f *accountForm, done, problem string) {
	ctx := c.Request.Context()
	lang := pageLang(c)
	accounts, err := auth.Accounts(ctx, s.pool)
	if err != nil {
		s.pageError(c, err)
		return
	}
	tokens, err := auth.ActiveTokens(ctx, s.pool)
	if err != nil {
		s.pageError(c, err)
		return
	}
	t := func(id string) string { return s.messages.T(lang, id, nil) }
	role := f.field("role")
	role.Options = [][2]string{{auth.RoleOrganizer, t("accounts.invite.role.organizer")}, {auth.RoleMember, t("accounts.invite.role.member")}}
	role.Hint = t("accounts.role.hint")
	language := f.field("language")
	language.Options = [][2]string{{"de", "Deutsch"}, {"en", "English"}}
	if language.Value == "" {
		language.Value = lang
	}
	v := accountsView{Accounts: accounts, Tokens: tokens, Me: currentUser(c).ID, Form: f, Done: done, Problem: problem,
		Zone: pageZone(), Now: s.now(), Days: int(auth.InvitationValid / (24 * time.Hour))}
	s.renderPage(c, status, "accounts", t("accounts.title"), v)
}

// inviteAccount invites a person by mail; the form keeps what was typed when something is wrong.
func (s *Server) inviteAccount(c *gin.Context) {
	in := auth.Invitation{Email: c.PostForm("email"), Role: c.PostForm("role"), Language: c.PostForm("language")}
	u, err := auth.Invite(c.Request.Context(), s.pool, auth.ManageKey(s.cfg.Secret), in, currentUser(c), s.now())
	if err != nil {
		f, ok := s.accountFormOf(c, "invite", inviteFields, err)
		if !ok {
			s.pageError(c, err)
			return
		}
		s.renderAccounts(c, statusOf(err), f, "", "")
		return
	}
	c.Set(auditDetailKey, "user_id="+strconv.FormatInt(u.ID, 10))
	c.Redirect(http.StatusSeeOther, "/admin/accounts?done=account.invited"+langQuery(pageLang(c), "&"))
}

// accountAction runs an action on the account or token :id, then shows the page again: with
// what was done, or why it could not be.
func (s *Server) accountAction(name string, do func(c *gin.Context, id int64) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c)
		if err == nil {
			err = do(c, id)
		}
		var conflict *domain.ConflictError
		switch {
		case err == nil:
			c.Redirect(http.StatusSeeOther, "/admin/accounts?done="+name+langQuery(pageLang(c), "&"))
		case errors.Is(err, auth.ErrNotFound):
			s.pageError(c, domain.ErrNotFound)
		case errors.As(err, &conflict):
			f, _ := s.accountFormOf(c, "invite", inviteFields, nil)
			s.renderAccounts(c, http.StatusConflict, f, "", s.conflictText(pageLang(c), conflict))
		default:
			s.pageError(c, err)
		}
	}
}

// statusOf is the status of a form answered again with its problems.
func statusOf(err error) int {
	var conflict *domain.ConflictError
	if errors.As(err, &conflict) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
