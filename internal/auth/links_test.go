package auth_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
)

var (
	testKey = auth.ManageKey(bytes.Repeat([]byte("k"), 32))
	t0      = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
)

// linkOf returns the token of the user's link of purpose, as the mail worker writes it into the
// mail, and how many outbox messages carry that link.
func linkOf(t *testing.T, pool *sqlx.DB, email, purpose string) (token string, queued int) {
	t.Helper()
	var id int64
	err := pool.Get(&id, `SELECT l.id FROM account_links l JOIN users u ON u.id = l.user_id WHERE lower(u.email) = lower($1) AND l.purpose = $2`, email, purpose)
	if err != nil {
		t.Fatalf("no %s link for %s: %v", purpose, email, err)
	}
	mails, err := auth.LinkDirectory{DB: pool, Key: testKey}.LinkMails(context.Background(), []int64{id})
	if err != nil || mails[id] == nil {
		t.Fatalf("link mail: %v", err)
	}
	pool.Get(&queued, `SELECT count(*) FROM outbox WHERE account_link_id = $1 AND status = 'queued'`, id)
	return mails[id].Token, queued
}

func count(t *testing.T, pool *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// An invitation makes a pending account that cannot log in, mails one link that works for seven
// days and once; inviting again replaces the link; taking it up sets name and password and
// starts a session.
func TestInvitation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	admin := mustUser(t, pool, "admin@example.org", auth.RoleAdmin)
	in := auth.Invitation{Email: "Neu@Kommune.example", Role: auth.RoleOrganizer, Language: "de"}
	u, err := auth.Invite(ctx, pool, testKey, in, admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Pending || u.Role != auth.RoleOrganizer || u.PasswordHash != nil {
		t.Fatalf("invited account %+v", u)
	}
	first, queued := linkOf(t, pool, in.Email, auth.PurposeInvitation)
	if queued != 1 {
		t.Errorf("%d invitation mails queued, want 1", queued)
	}
	if n := count(t, pool, `SELECT count(*) FROM account_links WHERE position($1::bytea IN token_hash || token_salt) > 0`, []byte(first)); n != 0 {
		t.Error("the token is stored in clear")
	}
	if _, err := auth.CheckPassword(ctx, pool, in.Email, ""); !errors.Is(err, auth.ErrBadLogin) {
		t.Errorf("a pending account logs in: %v", err)
	}

	// Inviting again replaces the link and its queued mail.
	if _, err := auth.Invite(ctx, pool, testKey, in, admin, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	second, queued := linkOf(t, pool, in.Email, auth.PurposeInvitation)
	if second == first || queued != 1 || count(t, pool, `SELECT count(*) FROM outbox WHERE kind = 'invitation'`) != 1 {
		t.Errorf("the new invitation did not replace the old: %d queued", queued)
	}
	if _, err := auth.LinkByToken(ctx, pool, auth.PurposeInvitation, first, t0.Add(time.Hour)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("the replaced link still works: %v", err)
	}

	// Seven days from the second invitation, and not a second longer.
	expiry := t0.Add(time.Hour + auth.InvitationValid)
	if _, err := auth.LinkByToken(ctx, pool, auth.PurposeInvitation, second, expiry.Add(-time.Second)); err != nil {
		t.Errorf("the link fails before it expires: %v", err)
	}
	if _, _, err := auth.AcceptInvitation(ctx, pool, second, auth.Welcome{Name: "Nora Neu", Password: "lang genug, sicher", Repeat: "lang genug, sicher"}, expiry); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("the expired link works: %v", err)
	}

	// Bad input changes nothing and leaves the link working.
	var v *domain.ValidationError
	_, _, err = auth.AcceptInvitation(ctx, pool, second, auth.Welcome{Name: "", Password: "kurz", Repeat: "kurz"}, t0.Add(2*time.Hour))
	if !errors.As(err, &v) || !v.Has("name") || !v.Has("password") {
		t.Fatalf("bad welcome: %v", err)
	}
	_, _, err = auth.AcceptInvitation(ctx, pool, second, auth.Welcome{Name: "Nora Neu", Password: "lang genug, sicher", Repeat: "lang genug, sicher!"}, t0.Add(2*time.Hour))
	if !errors.As(err, &v) || !v.Has("repeat") {
		t.Fatalf("mismatched repeat: %v", err)
	}

	taken, secret, err := auth.AcceptInvitation(ctx, pool, second, auth.Welcome{Name: " Nora Neu ", Password: "lang genug, sicher", Repeat: "lang genug, sicher"}, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if taken.Pending || taken.Name != "Nora Neu" {
		t.Errorf("taken up: %+v", taken)
	}
	if s, err := auth.UserBySession(ctx, pool, secret, t0.Add(2*time.Hour)); err != nil || s.ID != u.ID {
		t.Errorf("the session after the invitation: %v", err)
	}
	if _, err := auth.CheckPassword(ctx, pool, in.Email, "lang genug, sicher"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if _, _, err := auth.AcceptInvitation(ctx, pool, second, auth.Welcome{Name: "Jemand", Password: "ganz anderes Passwort", Repeat: "ganz anderes Passwort"}, t0.Add(2*time.Hour)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("the link works a second time: %v", err)
	}
	var c *domain.ConflictError
	if _, err := auth.Invite(ctx, pool, testKey, in, admin, t0.Add(3*time.Hour)); !errors.As(err, &c) || c.Code != "account_exists" {
		t.Errorf("inviting a taken-up account: %v", err)
	}
}

// A reset is asked for in one statement that does the same whether the address has an account
// or not; only an active account that has been taken up gets a link. The link works for an hour
// and once, and ends every session of the account.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	admin := mustUser(t, pool, "admin@example.org", auth.RoleAdmin)
	orga := mustUser(t, pool, "orga@example.org", auth.RoleOrganizer)
	gone := mustUser(t, pool, "gone@example.org", auth.RoleOrganizer)
	if err := auth.Disable(ctx, pool, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Invite(ctx, pool, testKey, auth.Invitation{Email: "pending@example.org", Role: auth.RoleMember, Language: "en"}, admin, t0); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"nobody@example.org", "gone@example.org", "pending@example.org"} {
		if err := auth.RequestReset(ctx, pool, testKey, email, "de", t0); err != nil {
			t.Errorf("%s: %v", email, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM account_links WHERE purpose = 'reset'`); n != 0 {
		t.Errorf("%d reset links for addresses that may not reset", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM outbox WHERE kind = 'password_reset'`); n != 0 {
		t.Errorf("%d reset mails for addresses that may not reset", n)
	}
	var v *domain.ValidationError
	if err := auth.RequestReset(ctx, pool, testKey, "kein Adresse", "de", t0); !errors.As(err, &v) || !v.Has("email") {
		t.Errorf("a malformed address: %v", err)
	}

	sessions := []string{}
	for range 2 {
		s, err := auth.CreateSession(ctx, pool, orga.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	if err := auth.RequestReset(ctx, pool, testKey, "ORGA@example.org", "de", t0); err != nil {
		t.Fatal(err)
	}
	first, queued := linkOf(t, pool, "orga@example.org", auth.PurposeReset)
	if queued != 1 {
		t.Errorf("%d reset mails queued", queued)
	}
	if err := auth.RequestReset(ctx, pool, testKey, "orga@example.org", "de", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	link, queued := linkOf(t, pool, "orga@example.org", auth.PurposeReset)
	if link == first || queued != 1 {
		t.Errorf("a second request did not replace the first link")
	}
	if _, err := auth.LinkByToken(ctx, pool, auth.PurposeReset, first, t0.Add(time.Minute)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Error("the replaced reset link works")
	}
	valid := t0.Add(time.Minute + auth.ResetValid)
	if _, _, err := auth.ResetPassword(ctx, pool, link, auth.NewPassword{Password: "ein neues Passwort", Repeat: "ein neues Passwort"}, valid); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("the reset link works after an hour: %v", err)
	}
	u, secret, err := auth.ResetPassword(ctx, pool, link, auth.NewPassword{Password: "ein neues Passwort", Repeat: "ein neues Passwort"}, valid.Add(-time.Second))
	if err != nil || u.ID != orga.ID {
		t.Fatalf("reset: %v", err)
	}
	for _, s := range sessions {
		if _, err := auth.UserBySession(ctx, pool, s, valid); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("a session from before the reset lives on: %v", err)
		}
	}
	if _, err := auth.UserBySession(ctx, pool, secret, valid); err != nil {
		t.Errorf("the session after the reset: %v", err)
	}
	if _, _, err := auth.ResetPassword(ctx, pool, link, auth.NewPassword{Password: "noch ein Passwort", Repeat: "noch ein Passwort"}, valid.Add(-time.Second)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("the reset link works twice: %v", err)
	}
	if _, err := auth.CheckPassword(ctx, pool, "orga@example.org", "ein neues Passwort"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

// A disabled account stops at once: its sessions end, its tokens and password do not work;
// enabled again, its tokens work again. Nobody disables their own account.
func TestDisable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	admin := mustUser(t, pool, "admin@example.org", auth.RoleAdmin)
	orga, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "orga@example.org", Name: "Orga", Role: auth.RoleOrganizer, Password: "ein sicheres Passwort"})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ := auth.CreateToken(ctx, pool, orga.ID, "ci")
	session, _ := auth.CreateSession(ctx, pool, orga.ID, t0)
	if err := auth.Disable(ctx, pool, admin, orga.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.UserBySession(ctx, pool, session, t0); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("session of a disabled account: %v", err)
	}
	if _, err := auth.UserByToken(ctx, pool, secret); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("token of a disabled account: %v", err)
	}
	if _, err := auth.CheckPassword(ctx, pool, "orga@example.org", "ein sicheres Passwort"); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("login of a disabled account: %v", err)
	}
	if _, err := auth.CheckPassword(ctx, pool, "orga@example.org", "falsch geraten!"); !errors.Is(err, auth.ErrBadLogin) {
		t.Errorf("a wrong password tells that the account is disabled: %v", err)
	}
	if err := auth.Disable(ctx, pool, admin, orga.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("disabling twice: %v", err)
	}
	var c *domain.ConflictError
	if err := auth.Disable(ctx, pool, admin, admin.ID); !errors.As(err, &c) || c.Code != "disable_self" {
		t.Errorf("disabling oneself: %v", err)
	}
	if err := auth.Enable(ctx, pool, orga.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.UserByToken(ctx, pool, secret); err != nil {
		t.Errorf("token after enabling: %v", err)
	}
	accounts, err := auth.Accounts(ctx, pool)
	if err != nil || len(accounts) != 2 || accounts[1].Email != "orga@example.org" || accounts[1].LastLoginAt == nil {
		t.Errorf("accounts %+v: %v", accounts, err)
	}
}

// A password is changed only by who knows the current one; the change ends the account's other
// sessions and keeps the one that asked.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	u, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "orga@example.org", Name: "Orga", Role: auth.RoleOrganizer, Password: "ein sicheres Passwort"})
	if err != nil {
		t.Fatal(err)
	}
	here, _ := auth.CreateSession(ctx, pool, u.ID, t0)
	elsewhere, _ := auth.CreateSession(ctx, pool, u.ID, t0)
	var v *domain.ValidationError
	err = auth.ChangePassword(ctx, pool, u, auth.PasswordChange{Current: "falsch geraten!", Password: "ein neues Passwort", Repeat: "ein neues Passwort"}, here)
	if !errors.As(err, &v) || !v.Has("current") {
		t.Fatalf("wrong current password: %v", err)
	}
	err = auth.ChangePassword(ctx, pool, u, auth.PasswordChange{Current: "ein sicheres Passwort", Password: "äöüäöü", Repeat: "äöüäöü"}, here)
	if !errors.As(err, &v) || !v.Has("password") {
		t.Fatalf("six characters in twelve bytes: %v", err)
	}
	err = auth.ChangePassword(ctx, pool, u, auth.PasswordChange{Current: "ein sicheres Passwort", Password: strings.Repeat("ä", 37), Repeat: strings.Repeat("ä", 37)}, here)
	if !errors.As(err, &v) || !v.Has("password") {
		t.Fatalf("74 bytes: %v", err)
	}
	if _, err := auth.UserBySession(ctx, pool, elsewhere, t0); err != nil {
		t.Fatalf("a failed change ended a session: %v", err)
	}
	if err := auth.ChangePassword(ctx, pool, u, auth.PasswordChange{Current: "ein sicheres Passwort", Password: "ein neues Passwort", Repeat: "ein neues Passwort"}, here); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.UserBySession(ctx, pool, elsewhere, t0); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the other session lives on: %v", err)
	}
	if _, err := auth.UserBySession(ctx, pool, here, t0); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, err := auth.CheckPassword(ctx, pool, "orga@example.org", "ein neues Passwort"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

// The tokens page names each token, and an account holds at most MaxActiveTokens working ones.
func TestNamedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	u := mustUser(t, pool, "orga@example.org", auth.RoleOrganizer)
	var v *domain.ValidationError
	for _, name := range []string{"", "  ", strings.Repeat("x", auth.MaxTokenName+1), "zwei\nZeilen"} {
		if _, _, err := auth.CreateNamedToken(ctx, pool, u.ID, name); !errors.As(err, &v) || !v.Has("name") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if _, _, err := auth.CreateNamedToken(ctx, pool, u.ID, strings.Repeat("x", auth.MaxTokenName)); err != nil {
		t.Fatalf("a name of the longest length: %v", err)
	}
	var last *auth.Token
	for range auth.MaxActiveTokens - 1 {
		_, tok, err := auth.CreateNamedToken(ctx, pool, u.ID, "Skript")
		if err != nil {
			t.Fatal(err)
		}
		last = tok
	}
	var c *domain.ConflictError
	if _, _, err := auth.CreateNamedToken(ctx, pool, u.ID, "eins zu viel"); !errors.As(err, &c) || c.Code != "too_many_tokens" {
		t.Fatalf("token %d: %v", auth.MaxActiveTokens+1, err)
	}
	if err := auth.RevokeAnyToken(ctx, pool, last.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.CreateNamedToken(ctx, pool, u.ID, "nach dem Widerruf"); err != nil {
		t.Errorf("after revoking one: %v", err)
	}
}

// Requests for one account at the same moment leave one link with one mail, and none fails.
func TestConcurrentResetRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	mustUser(t, pool, "orga@example.org", auth.RoleOrganizer)
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- auth.RequestReset(ctx, pool, testKey, "orga@example.org", "de", t0) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM account_links`); n != 1 {
		t.Errorf("%d links", n)
	}
	if _, queued := linkOf(t, pool, "orga@example.org", auth.PurposeReset); queued != 1 || count(t, pool, `SELECT count(*) FROM outbox`) != 1 {
		t.Errorf("%d mails for the link, want 1", queued)
	}
}
