package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/web"
)

// account makes an account with a global role that logs in with testPassword.
func account(t *testing.T, pool *sqlx.DB, email, role string) *auth.User {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), pool, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	pool.MustExec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, string(hash))
	return u
}

// mailLink finds the link to path (such as "/invitation/") in a mail as sent.
func mailLink(t *testing.T, data []byte, path string) string {
	t.Helper()
	text := strings.ReplaceAll(string(data), "=\r\n", "")
	link := regexp.MustCompile(`https?://[^\s"<>]+` + regexp.QuoteMeta(path) + `[A-Za-z0-9_-]+`).FindString(text)
	if link == "" {
		t.Fatalf("no link to %s in the mail:\n%s", path, text)
	}
	return link
}

// linkToken is the token of the account's link of purpose, as its mail carries it.
func linkToken(t *testing.T, pool *sqlx.DB, email, purpose string) string {
	t.Helper()
	var id int64
	if err := pool.Get(&id, `SELECT l.id FROM account_links l JOIN users u ON u.id = l.user_id WHERE u.email = $1 AND l.purpose = $2`, email, purpose); err != nil {
		t.Fatalf("no %s link for %s: %v", purpose, email, err)
	}
	mails, err := auth.LinkDirectory{DB: pool, Key: auth.ManageKey(harnessSecret)}.LinkMails(context.Background(), []int64{id})
	if err != nil || mails[id] == nil {
		t.Fatalf("link mail: %v", err)
	}
	return mails[id].Token
}

// subject is the decoded Subject of a mail as sent.
func subject(t *testing.T, data []byte) string {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The permission table of the account pages: without a session each sends the browser to log
// in; a person's own pages are open to every account; the admins' pages answer 403 to anyone
// else and never to an admin.
func TestAccountPermissionTable(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	account(t, pool, "admin@example.org", auth.RoleAdmin)
	account(t, pool, "orga@example.org", auth.RoleOrganizer)
	account(t, pool, "mod@example.org", auth.RoleMember)
	base, _ := url.Parse("http://podium.test")
	srv, err := web.New(pool, &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: time.Hour, Secret: harnessSecret}, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name    string
		session *http.Cookie
		admin   bool
	}{
		{"nobody", nil, false},
		{"a moderator", h.login("mod@example.org", testPassword), false},
		{"an organizer", h.login("orga@example.org", testPassword), false},
		{"an admin", h.login("admin@example.org", testPassword), true},
	}
	routes := srv.AccountPermissions()
	if len(routes) < 10 {
		t.Fatalf("only %d account routes", len(routes))
	}
	for _, route := range routes {
		// Acting on an account or token that does not exist, so that no caller changes anything.
		path := strings.ReplaceAll(route.Path, ":id", "999999")
		for _, c := range callers {
			var res *http.Response
			var cookies []*http.Cookie
			if c.session != nil {
				cookies = append(cookies, c.session)
			}
			if route.Method == "GET" {
				res = h.getPage(path, cookies...)
			} else {
				res = h.postPage(path, url.Values{}, cookies...)
			}
			var ok bool
			switch {
			case c.session == nil:
				ok = res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?next=")
			case route.Need == web.NeedAdmin && !c.admin:
				ok = res.StatusCode == http.StatusForbidden
			case route.Method == "GET":
				ok = res.StatusCode == http.StatusOK
			default:
				ok = res.StatusCode != http.StatusForbidden && !strings.HasPrefix(res.Header.Get("Location"), "/login")
			}
			if !ok {
				t.Errorf("%s %s by %s: %d %s", route.Method, route.Path, c.name, res.StatusCode, res.Header.Get("Location"))
			}
		}
	}
}

// Giving an event role to an address without an account invites it: the answer says so, the
// mail arrives in the language asked for with a link that sets up the account, and the role
// counts from then on. An existing account gets the answer it always got, without a mail.
func TestMemberInvitationByAPI(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	h.now = time.Now()
	loadDemo(t, h)
	_, admin := h.user("admin@example.org", "admin")
	h.user("kollegin@example.org", "member")
	members := "/api/v1/events/" + demo.FollowUpSlug + "/members"

	rec := h.do("POST", members, admin, `{"email":"kollegin@example.org","role":"moderator"}`)
	var existing map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &existing); err != nil || rec.Code != http.StatusCreated {
		t.Fatalf("existing account: %d %s", rec.Code, rec.Body)
	}
	if _, ok := existing["invitation_sent"]; ok || len(existing) != 4 {
		t.Errorf("the answer for an existing account changed: %s", rec.Body)
	}

	rec = h.do("POST", members, admin, `{"email":"Neue.Moderation@kommune.example","role":"moderator","language":"en"}`)
	added := decode[struct {
		UserID         int64  `json:"user_id"`
		Email          string `json:"email"`
		Role           string `json:"role"`
		Invited        bool   `json:"invited"`
		InvitationSent bool   `json:"invitation_sent"`
	}](t, rec)
	if rec.Code != http.StatusCreated || !added.InvitationSent || !added.Invited || added.Role != "moderator" {
		t.Fatalf("invitation: %d %s", rec.Code, rec.Body)
	}
	list := h.do("GET", members, admin, "").Body.String()
	if !strings.Contains(list, `"invited":true`) {
		t.Errorf("the members list does not say who is invited: %s", list)
	}
	if rec := h.do("POST", members, admin, `{"email":"nobody at example.org","role":"moderator"}`); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a malformed address: %d", rec.Code)
	}

	smtp := mailtest.Start(t)
	mailtest.Drain(t, smtp.Worker(t, pool, "http://podium.test", auth.ManageKey(harnessSecret)))
	msgs := smtp.Messages()
	if len(msgs) != 1 || !strings.EqualFold(msgs[0].To[0], "neue.moderation@kommune.example") {
		t.Fatalf("%d mails, want the invitation only", len(msgs))
	}
	text := strings.ReplaceAll(string(msgs[0].Data), "=\r\n", "")
	if got := subject(t, msgs[0].Data); got != "Invitation to Podium" {
		t.Errorf("subject %q", got)
	}
	for _, want := range []string{"Digitale Kommune", "7 days", "only once"} {
		if !strings.Contains(text, want) {
			t.Errorf("the invitation does not say %q:\n%s", want, text)
		}
	}
	link := mailLink(t, msgs[0].Data, "/invitation/")
	path := strings.TrimPrefix(link, "http://podium.test")
	if res := h.getPage(path + "?lang=en"); res.StatusCode != http.StatusOK || !strings.Contains(body(res), "Neue.Moderation@kommune.example") {
		t.Fatalf("the invitation page: %d", res.StatusCode)
	}
	res := h.postPage(path, url.Values{"name": {"Nele Neu"}, "password": {"ein sicheres Passwort"}, "repeat": {"ein sicheres Passwort"}})
	session := cookie(res, "podium_session")
	if res.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("taking up the invitation: %d", res.StatusCode)
	}
	if res := h.getPage("/events/"+demo.FollowUpSlug+"/moderate", session); res.StatusCode != http.StatusOK {
		t.Errorf("the invited moderator cannot moderate: %d", res.StatusCode)
	}
	if list := h.do("GET", members, admin, "").Body.String(); strings.Contains(list, `"invited":true`) || !strings.Contains(list, "Nele Neu") {
		t.Errorf("after taking up the invitation: %s", list)
	}
	var detail string
	pool.Get(&detail, `SELECT string_agg(action || ' ' || detail, '; ') FROM audit_log`)
	if !strings.Contains(detail, "member.added "+demo.FollowUpSlug+" invited user_id=") || !strings.Contains(detail, "account.activated") {
		t.Errorf("audit log: %s", detail)
	}
	if token := strings.TrimPrefix(path, "/invitation/"); strings.Contains(detail, token) {
		t.Error("the audit log holds the invitation's token")
	}
}

// An account gives at most invitationRate roles an hour, by API and page together, which bounds
// the invitations it can mail.
func TestInvitationRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, orga := h.user("orga@example.org", "admin")
	members := "/api/v1/events/" + demo.FollowUpSlug + "/members"
	for i := range 50 {
		if rec := h.do("POST", members, orga, `{"email":"person`+itoa(int64(i))+`@example.org","role":"moderator"}`); rec.Code != http.StatusCreated {
			t.Fatalf("role %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := h.do("POST", members, orga, `{"email":"person51@example.org","role":"moderator"}`)
	expectProblem(t, rec, http.StatusTooManyRequests)
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM outbox WHERE kind = 'invitation'`)
	if n != 50 {
		t.Errorf("%d invitations queued, want 50", n)
	}
}

// Asking for a reset link answers alike whether the address has an account or not, and is
// limited per typed address and per client address.
func TestForgottenPasswordPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	account(t, h.pool, "orga@example.org", auth.RoleOrganizer)
	asked := 0
	ask := func(email string) *http.Response {
		asked++
		return h.postPage("/password/forgot", url.Values{"email": {email}})
	}
	known, unknown := ask("orga@example.org"), ask("niemand@example.org")
	if known.StatusCode != http.StatusSeeOther || known.StatusCode != unknown.StatusCode || known.Header.Get("Location") != unknown.Header.Get("Location") {
		t.Fatalf("known %d %s, unknown %d %s", known.StatusCode, known.Header.Get("Location"), unknown.StatusCode, unknown.Header.Get("Location"))
	}
	page := body(h.getPage(known.Header.Get("Location")))
	if !strings.Contains(page, "Wenn zu dieser Adresse ein Konto gehört") {
		t.Errorf("the page after asking: %s", page)
	}
	var links int
	h.pool.Get(&links, `SELECT count(*) FROM account_links WHERE purpose = 'reset'`)
	if links != 1 {
		t.Errorf("%d reset links, want the known address's", links)
	}
	if res := ask("kein at"); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), `value="kein at"`) {
		t.Errorf("a malformed address: %d", res.StatusCode)
	}

	// Three a hour per typed address, whatever its case; the fourth is refused, also for an
	// address without an account.
	for _, email := range []string{"orga@example.org", "ORGA@example.org", "niemand@example.org", "niemand@example.org"} {
		ask(email)
	}
	for _, email := range []string{"Orga@example.org", "niemand@example.org"} {
		if res := ask(email); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s, fourth time: %d", email, res.StatusCode)
		}
	}
	// Twenty an hour per client address, refused ones included; then no more.
	for i := 0; asked < 20; i++ {
		if res := ask("person" + itoa(int64(i)) + "@example.org"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d: %d", asked, res.StatusCode)
		}
	}
	if res := ask("noch-jemand@example.org"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("request 21 from one address: %d", res.StatusCode)
	}
}

// The pages behind the mailed links: a form that keeps the name typed and says what is wrong
// next to each field, a link that works once, and a clear page for a link that does not work.
func TestLinkPages(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	h.now = time.Now()
	admin := account(t, pool, "admin@example.org", auth.RoleAdmin)
	ctx := context.Background()
	if _, err := auth.Invite(ctx, pool, auth.ManageKey(harnessSecret), auth.Invitation{Email: "neu@example.org", Role: auth.RoleOrganizer, Language: "de"}, admin, h.now); err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.Start(t)
	mailtest.Drain(t, smtp.Worker(t, pool, "http://podium.test", auth.ManageKey(harnessSecret)))
	path := strings.TrimPrefix(mailLink(t, smtp.Messages()[0].Data, "/invitation/"), "http://podium.test")

	res := h.postPage(path, url.Values{"name": {"Nora Neu"}, "password": {"kurz"}, "repeat": {"kurz"}})
	page := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="Nora Neu"`) || !strings.Contains(page, "Bitte mindestens 10 Zeichen.") ||
		!strings.Contains(page, `aria-describedby="invitation-password-hint invitation-password-error"`) || strings.Contains(page, `value="kurz"`) {
		t.Errorf("the form with a short password: %d\n%s", res.StatusCode, page)
	}
	res = h.postPage(path, url.Values{"name": {"Nora Neu"}, "password": {"ein sicheres Passwort"}, "repeat": {"ein anderes Passwort"}})
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Die beiden Eingaben stimmen nicht überein.") {
		t.Errorf("the form with two passwords: %d", res.StatusCode)
	}
	res = h.postPage(path, url.Values{"name": {"Nora Neu"}, "password": {"ein sicheres Passwort"}, "repeat": {"ein sicheres Passwort"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=invitation" || cookie(res, "podium_session") == nil {
		t.Fatalf("taking up: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, again := range []*http.Response{h.getPage(path), h.postPage(path, url.Values{"name": {"X"}, "password": {"ein sicheres Passwort"}, "repeat": {"ein sicheres Passwort"}})} {
		if again.StatusCode != http.StatusGone || !strings.Contains(body(again), "Dieser Link funktioniert nicht mehr") {
			t.Errorf("the link a second time: %d", again.StatusCode)
		}
	}
	if res := h.getPage("/password/reset/gibt-es-nicht"); res.StatusCode != http.StatusGone {
		t.Errorf("an unknown reset link: %d", res.StatusCode)
	}
}

// The tokens page shows a new token once; it works against the API until it is revoked, and no
// page shows it again.
func TestTokensPage(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	account(t, pool, "orga@example.org", auth.RoleOrganizer)
	session := h.login("orga@example.org", testPassword)
	res := h.postPage("/account/tokens", url.Values{"name": {"Export-Skript"}}, session)
	page := body(res)
	secret := regexp.MustCompile(`pdm_[A-Za-z0-9_-]{43}`).FindString(page)
	if res.StatusCode != http.StatusCreated || secret == "" {
		t.Fatalf("making a token: %d", res.StatusCode)
	}
	if rec := h.do("GET", "/api/v1/me", secret, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "orga@example.org") {
		t.Errorf("the new token: %d", rec.Code)
	}
	list := body(h.getPage("/account/tokens", session))
	if !strings.Contains(list, "Export-Skript") || strings.Contains(list, secret) {
		t.Error("the list does not name the token, or shows its secret")
	}
	if res := h.postPage("/account/tokens", url.Values{"name": {""}}, session); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), "Bitte füllen Sie dieses Feld aus.") {
		t.Errorf("a token without a name: %d", res.StatusCode)
	}
	var id string
	pool.Get(&id, `SELECT id::text FROM api_tokens WHERE name = 'Export-Skript'`)
	other := account(t, pool, "other@example.org", auth.RoleOrganizer)
	if res := h.postPage("/account/tokens/"+id+"/revoke", nil, h.login(other.Email, testPassword)); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking someone else's token: %d", res.StatusCode)
	}
	if res := h.postPage("/account/tokens/"+id+"/revoke", nil, session); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking: %d", res.StatusCode)
	}
	expectProblem(t, h.do("GET", "/api/v1/me", secret, ""), http.StatusUnauthorized)
}

// An admin disables an account from the accounts page: its session and its token stop at once,
// and it cannot log in; enabled again, it can.
func TestAccountsPage(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	account(t, pool, "admin@example.org", auth.RoleAdmin)
	orga := account(t, pool, "orga@example.org", auth.RoleOrganizer)
	secret, _, _ := auth.CreateToken(context.Background(), pool, orga.ID, "Skript")
	admin, session := h.login("admin@example.org", testPassword), h.login("orga@example.org", testPassword)

	page := body(h.getPage("/admin/accounts", admin))
	for _, want := range []string{"orga@example.org", "Organisation", "aktiv", "Skript", "Sperren"} {
		if !strings.Contains(page, want) {
			t.Errorf("the accounts page does not show %q", want)
		}
	}
	res := h.postPage("/admin/accounts/invite", url.Values{"email": {"orga@example.org"}, "role": {"organizer"}, "language": {"de"}}, admin)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "Für diese Adresse gibt es schon ein Konto") || !strings.Contains(page, `value="orga@example.org"`) {
		t.Errorf("inviting an existing account: %d", res.StatusCode)
	}
	res = h.postPage("/admin/accounts/invite", url.Values{"email": {"neu@example.org"}, "role": {"boss"}, "language": {"fr"}}, admin)
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || strings.Count(page, "Bitte eine der angebotenen Möglichkeiten wählen.") != 4 {
		t.Errorf("a role and a language not offered: %d (each named in the summary and at its field)", res.StatusCode)
	}

	if res := h.postPage("/admin/accounts/"+itoa(orga.ID)+"/disable", nil, admin); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabling: %d", res.StatusCode)
	}
	if res := h.getPage("/admin", session); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the disabled account's session: %d", res.StatusCode)
	}
	expectProblem(t, h.do("GET", "/api/v1/me", secret, ""), http.StatusUnauthorized)
	res = h.postPage("/login", url.Values{"email": {"orga@example.org"}, "password": {testPassword}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body(res), "Ihr Konto ist gesperrt") {
		t.Errorf("logging in while disabled: %d", res.StatusCode)
	}
	if page := body(h.getPage("/admin/accounts", admin)); !strings.Contains(page, "gesperrt") || !strings.Contains(page, "Entsperren") {
		t.Error("the accounts page does not show the account as disabled")
	}
	if res := h.postPage("/admin/accounts/"+itoa(orga.ID)+"/enable", nil, admin); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enabling: %d", res.StatusCode)
	}
	if rec := h.do("GET", "/api/v1/me", secret, ""); rec.Code != http.StatusOK {
		t.Errorf("the token after enabling: %d", rec.Code)
	}
	var me int64
	pool.Get(&me, `SELECT id FROM users WHERE email = 'admin@example.org'`)
	if res := h.postPage("/admin/accounts/"+itoa(me)+"/disable", nil, admin); res.StatusCode != http.StatusConflict || !strings.Contains(body(res), "eigenes Konto") {
		t.Errorf("disabling oneself: %d", res.StatusCode)
	}
	var actions string
	pool.Get(&actions, `SELECT string_agg(action || ' ' || detail, '; ' ORDER BY id) FROM audit_log`)
	if actions != "account.disabled id="+itoa(orga.ID)+"; account.enabled id="+itoa(orga.ID) {
		t.Errorf("audit log: %q", actions)
	}
}

// The dashboard's roles form invites an address without an account, in the organizer's page
// language, and lists the person as invited until they set up their account.
func TestDashboardMemberInvitation(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	h := newHarnessWith(t, pool, false)
	loadDemo(t, h)
	account(t, pool, "admin@example.org", auth.RoleAdmin)
	session := h.login("admin@example.org", testPassword)
	dashboard := "/admin/events/" + demo.FollowUpSlug
	res := h.postPage(dashboard+"/members?lang=en", url.Values{"email": {"moderation@freiburg.example"}, "role": {"moderator"}}, session)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != dashboard+"?done=member.invited" {
		t.Fatalf("giving a role to a new address: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	page := body(h.getPage(dashboard+"?done=member.invited", session))
	if !strings.Contains(page, "eine Einladung ist unterwegs") || !strings.Contains(page, "moderation@freiburg.example: Moderation (eingeladen)") {
		t.Errorf("the dashboard after the invitation:\n%s", page)
	}
	var lang string
	pool.Get(&lang, `SELECT language FROM account_links WHERE purpose = 'invitation'`)
	if lang != "en" {
		t.Errorf("the invitation is in %q, want the organizer's page language", lang)
	}
	res = h.postPage(dashboard+"/members", url.Values{"email": {"kein at"}, "role": {"moderator"}}, session)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(res), "Bitte eine E-Mail-Adresse wie veranstaltung@example.org angeben") {
		t.Errorf("a malformed address: %d", res.StatusCode)
	}
}

// A link's mail that waited until the link stopped working (expired, or its account disabled) is
// dropped, not sent; the sweep deletes expired links with their mails.
func TestAccountMailsThatNoLongerApply(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	key := auth.ManageKey(harnessSecret)
	now := time.Now().Truncate(time.Millisecond) // as PostgreSQL keeps it
	admin := account(t, pool, "admin@example.org", auth.RoleAdmin)
	account(t, pool, "orga@example.org", auth.RoleOrganizer)
	if err := auth.RequestReset(ctx, pool, key, "orga@example.org", "de", now); err != nil {
		t.Fatal(err)
	}
	invited, err := auth.Invite(ctx, pool, key, auth.Invitation{Email: "neu@example.org", Role: auth.RoleMember, Language: "de"}, admin, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Disable(ctx, pool, admin, invited.ID); err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.Start(t)
	w := smtp.Worker(t, pool, "http://podium.test", key)
	w.Now = func() time.Time { return now.Add(auth.ResetValid) }
	mailtest.Drain(t, w)
	if n := smtp.Count(); n != 0 {
		t.Errorf("%d mails sent for links that no longer work", n)
	}
	var dropped int
	pool.Get(&dropped, `SELECT count(*) FROM outbox WHERE status = 'dropped'`)
	if dropped != 2 {
		t.Errorf("%d mails dropped, want the reset and the invitation", dropped)
	}
	if n, err := auth.DeleteExpiredLinks(ctx, pool, now.Add(auth.ResetValid)); err != nil || n != 1 {
		t.Errorf("the sweep deleted %d links (%v), want the expired reset link", n, err)
	}
	var left int
	pool.Get(&left, `SELECT count(*) FROM outbox`)
	if left != 1 {
		t.Errorf("%d mails left, want the invitation's", left)
	}
}
