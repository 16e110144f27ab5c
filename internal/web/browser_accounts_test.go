package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// logIn logs a person in through the login page.
func logIn(t *testing.T, page context.Context, base, email, password string) {
	t.Helper()
	do(t, page, "log in as "+email, chromedp.Navigate(base+"/login"), fill("E-Mail-Adresse", email),
		fill("Passwort", password), press(`form button[type="submit"]`), onPage("/admin"))
}

// onPage waits until the browser shows the page at path, parsed.
func onPage(path string) chromedp.Action[chromedp.Void] {
	return waitFor(`location.pathname === ` + jsString(path) + ` && document.readyState !== "loading"`)
}

// An admin invites a moderator from the accounts page; the invitation mail arrives, its link
// lets the moderator set name and password and logs them in, and works only once. The moderator
// forgets the password: an unknown address gets the same page and no mail, their own address a
// link that sets a new password and ends their other session. They change the password on their
// account page; then the admin disables the account, and its session ends.
func TestBrowserInvitationAndPasswords(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	account(t, pool, "admin@example.org", auth.RoleAdmin)
	srv := liveServer(t, pool, dbURL)
	smtp := mailtest.Start(t)
	worker := smtp.Worker(t, pool, srv.URL, auth.ManageKey(harnessSecret))
	worker.Poll = 50 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go worker.Run(ctx)

	person := browser(t)
	admin, invitee, forgetful := person(), person(), person()
	logIn(t, admin, srv.URL, "admin@example.org", testPassword)
	do(t, admin, "invite a moderator from the accounts page",
		clickLink("Konten"),
		onPage("/admin/accounts"),
		fill("E-Mail-Adresse", "moderation@kommune.example"),
		chromedp.Evaluate[chromedp.Void](byLabel("Rolle")+`.value = "member"`),
		press(`form[action^="/admin/accounts/invite"] button`),
		waitFor(`document.body.innerText.includes("Die Einladung ist unterwegs.")`),
		waitFor(`document.body.innerText.includes("eingeladen, Link gültig bis")`))

	msgs := smtp.Wait(t, 1, 10*time.Second)
	if subject(t, msgs[0].Data) != "Einladung zu Podium" || msgs[0].To[0] != "moderation@kommune.example" {
		t.Fatalf("the invitation mail:\n%s", msgs[0].Data)
	}
	link := mailLink(t, msgs[0].Data, "/invitation/")
	do(t, invitee, "set name and password with the link from the mail", chromedp.Navigate(link),
		waitFor(`document.body.innerText.includes("moderation@kommune.example")`),
		fill("Name", "Mia Moderation"), fill("Neues Passwort", "Moderation mit Maß"),
		fill("Neues Passwort wiederholen", "Moderation mit Maß"),
		press(`form button[type="submit"]`),
		onPage("/account"),
		waitFor(`document.body.innerText.includes("Willkommen! Ihr Konto ist eingerichtet")`),
		waitFor(`document.body.innerText.includes("Mia Moderation")`))
	do(t, invitee, "open the link a second time", chromedp.Navigate(link),
		waitFor(`document.body.innerText.includes("Dieser Link funktioniert nicht mehr")`))

	do(t, forgetful, "ask for a link for an address without an account",
		chromedp.Navigate(srv.URL+"/login"),
		clickLink("Passwort vergessen?"),
		onPage("/password/forgot"),
		fill("E-Mail-Adresse", "niemand@kommune.example"), press(`form button[type="submit"]`),
		waitFor(`document.body.innerText.includes("Wenn zu dieser Adresse ein Konto gehört")`))
	unknownPage := eval[string](t, forgetful, `document.querySelector("main").innerText`)
	time.Sleep(500 * time.Millisecond) // ten polls of the worker
	if n := smtp.Count(); n != 1 {
		t.Fatalf("the mailbox got %d mails, want only the invitation", n)
	}
	do(t, forgetful, "ask for a link for the moderator's address",
		chromedp.Navigate(srv.URL+"/password/forgot"),
		fill("E-Mail-Adresse", "Moderation@kommune.example"), press(`form button[type="submit"]`),
		waitFor(`document.body.innerText.includes("Wenn zu dieser Adresse ein Konto gehört")`))
	if knownPage := eval[string](t, forgetful, `document.querySelector("main").innerText`); knownPage != unknownPage {
		t.Errorf("the page differs for a known address:\n%s\n---\n%s", knownPage, unknownPage)
	}
	msgs = smtp.Wait(t, 2, 10*time.Second)
	if subject(t, msgs[1].Data) != "Neues Passwort für Podium" {
		t.Fatalf("the reset mail:\n%s", msgs[1].Data)
	}
	do(t, forgetful, "set a new password with the link from the mail", chromedp.Navigate(mailLink(t, msgs[1].Data, "/password/reset/")),
		fill("Neues Passwort", "ein ganz neues Passwort"), fill("Neues Passwort wiederholen", "ein ganz neues Passwort"),
		press(`form button[type="submit"]`),
		waitFor(`document.body.innerText.includes("Ihr neues Passwort gilt.")`))
	do(t, invitee, "the session from before the reset has ended", chromedp.Navigate(srv.URL+"/account"),
		onPage("/login"))

	do(t, forgetful, "change the password on the account page",
		fill("Bisheriges Passwort", "ein ganz neues Passwort"), fill("Neues Passwort", "Moderation ohne Maß"),
		fill("Neues Passwort wiederholen", "Moderation ohne Maß"),
		press(`form[action^="/account/password"] button`),
		waitFor(`document.body.innerText.includes("Ihr Passwort ist geändert.")`))
	logIn(t, invitee, srv.URL, "moderation@kommune.example", "Moderation ohne Maß")

	var id string
	pool.Get(&id, `SELECT id::text FROM users WHERE email = 'moderation@kommune.example'`)
	do(t, admin, "disable the moderator's account", chromedp.Navigate(srv.URL+"/admin/accounts"),
		press(`form[action^="/admin/accounts/`+id+`/disable"] button`),
		waitFor(`document.body.innerText.includes("Das Konto ist gesperrt")`))
	for _, p := range []context.Context{invitee, forgetful} {
		do(t, p, "the disabled account's sessions end", chromedp.Navigate(srv.URL+"/admin"),
			onPage("/login"))
	}
}

// An organizer makes an API token on the tokens page, uses it against the API, and revokes it,
// after which the API refuses it.
func TestBrowserTokens(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	account(t, pool, "orga@example.org", auth.RoleOrganizer)
	srv := liveServer(t, pool, dbURL)
	page := browser(t)()
	logIn(t, page, srv.URL, "orga@example.org", testPassword)
	do(t, page, "make a token",
		clickLink("API-Tokens"),
		onPage("/account/tokens"),
		fill("Wofür ist das Token?", "Teilnehmerliste für das Intranet"), press(`form[action="/account/tokens"] button`),
		waitFor(`document.body.innerText.includes("wird nur dieses eine Mal angezeigt")`))
	secret := eval[string](t, page, `document.getElementById("token-secret").value`)
	me := func() int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := me(); code != http.StatusOK {
		t.Fatalf("the new token against the API: %d", code)
	}
	do(t, page, "the list shows the token by name, not its secret", chromedp.Navigate(srv.URL+"/account/tokens"),
		waitFor(`document.body.innerText.includes("Teilnehmerliste für das Intranet")`))
	if eval[bool](t, page, `document.body.innerHTML.includes(`+jsString(secret)+`)`) {
		t.Error("the tokens page shows the secret again")
	}
	do(t, page, "revoke it", press(`form[action$="/revoke"] button`),
		waitFor(`document.body.innerText.includes("Das Token ist widerrufen")`))
	if code := me(); code != http.StatusUnauthorized {
		t.Errorf("the revoked token against the API: %d", code)
	}
}
