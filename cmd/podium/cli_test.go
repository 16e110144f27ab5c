package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
)

// cli runs one podium command against the test's own database and returns what it printed.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func setEnv(t *testing.T, databaseURL string) {
	t.Setenv("DATABASE_URL", databaseURL)
	t.Setenv("PODIUM_SECRET", strings.Repeat("s", 32))
}

// A command line that cannot be understood says so and shows the usage.
func TestUsageErrors(t *testing.T) {
	setEnv(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	var usage usageError
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--addr", "nonsense"}, {"migrate", "extra"}, {"tokens", "create"}, {"users", "remove"},
		// Checked before the database is opened, so these fail without one.
		{"tokens", "lst", "--email", "a@example.org"}, {"tokens", "revoke", "--email", "a@example.org"}} {
		if _, err := cli(t, "", args...); !errors.As(err, &usage) {
			t.Errorf("podium %v: err = %v, want a usage error", args, err)
		}
	}
	out, err := cli(t, "", "help")
	if err != nil || !strings.Contains(out, "podium serve") {
		t.Errorf("help: %v %q", err, out)
	}
}

// A wrong setting stops every command with a message naming it.
func TestConfigErrorStopsStart(t *testing.T) {
	setEnv(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	t.Setenv("PODIUM_BASE_URL", "podium.example.org")
	for _, cmd := range []string{"serve", "migrate"} {
		if _, err := cli(t, "", cmd); err == nil || !strings.Contains(err.Error(), "PODIUM_BASE_URL") {
			t.Errorf("%s: err = %v", cmd, err)
		}
	}
}

// migrate builds the schema in an empty database and can run again.
func TestMigrateCommand(t *testing.T) {
	url := dbtest.NewEmpty(t)
	setEnv(t, url)
	for range 2 {
		if _, err := cli(t, "", "migrate"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli(t, "", "users", "add", "--email", "a@example.org", "--name", "A"); err != nil {
		t.Errorf("the migrated schema does not take a user: %v", err)
	}
}

// Users get accounts with bcrypt-hashed passwords; an email address is taken once, whatever its case.
func TestUsersAdd(t *testing.T) {
	pool, url := dbtest.NewWithURL(t)
	setEnv(t, url)
	out, err := cli(t, "geheimes-passwort-1\n", "users", "add", "--email", "orga@example.org", "--name", "Orga", "--role", "organizer", "--password-stdin")
	if err != nil || !strings.Contains(out, "created user") {
		t.Fatalf("users add: %v %q", err, out)
	}
	var hash string
	pool.Get(&hash, `SELECT password_hash FROM users WHERE email = 'orga@example.org'`)
	if hash == "geheimes-passwort-1" || bcrypt.CompareHashAndPassword([]byte(hash), []byte("geheimes-passwort-1")) != nil {
		t.Fatalf("stored password %q is not a bcrypt hash of the password", hash)
	}

	if _, err := cli(t, "", "users", "add", "--email", "ORGA@example.org", "--name", "Again"); err == nil {
		t.Error("the same address in other case was added twice")
	}
	if out, err := cli(t, "", "users", "add", "--email", "ORGA@example.org", "--name", "Again", "--exist-ok"); err != nil || !strings.Contains(out, "exists") {
		t.Errorf("--exist-ok: %v %q", err, out)
	}
	for _, args := range [][]string{
		{"users", "add", "--email", "x@example.org", "--name", "X", "--role", "boss"},
		{"users", "add", "--email", "x@example.org", "--name", "X", "--password-stdin"},
		{"users", "add", "--email", "kein-mail", "--name", "X"},
	} {
		if _, err := cli(t, "", args...); err == nil {
			t.Errorf("podium %v succeeded", args)
		}
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM users`)
	if n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

// A token is printed once, stored only as a hash, listed, and dead once revoked.
func TestTokens(t *testing.T) {
	pool, url := dbtest.NewWithURL(t)
	setEnv(t, url)
	if _, err := cli(t, "", "users", "add", "--email", "orga@example.org", "--name", "Orga", "--role", "organizer"); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, "", "tokens", "create", "--email", "orga@example.org", "--name", "ci")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "pdm_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("tokens create printed %q", out)
	}
	var id int64
	var stored []byte
	if err := pool.QueryRow(`SELECT id, token_hash FROM api_tokens`).Scan(&id, &stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); !bytes.Equal(stored, sum[:]) {
		t.Error("the stored hash is not the token's SHA-256")
	}
	ctx := context.Background()
	if u, err := auth.UserByToken(ctx, pool, token); err != nil || u.Email != "orga@example.org" {
		t.Fatalf("token does not authenticate: %v", err)
	}

	list, err := cli(t, "", "tokens", "list", "--email", "orga@example.org")
	if err != nil || !strings.Contains(list, fmt.Sprintf("%d ", id)) || !strings.Contains(list, "ci") || strings.Contains(list, token) {
		t.Errorf("tokens list: %v\n%s", err, list)
	}
	if _, err := cli(t, "", "tokens", "revoke", "--email", "orga@example.org", "--id", fmt.Sprint(id)); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.UserByToken(ctx, pool, token); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("revoked token: %v", err)
	}
	if _, err := cli(t, "", "tokens", "revoke", "--email", "orga@example.org", "--id", fmt.Sprint(id)); err == nil {
		t.Error("revoking twice succeeded")
	}
	if _, err := cli(t, "", "tokens", "create", "--email", "nobody@example.org"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("token for an unknown user: %v", err)
	}
}

// serve migrates, loads the demo, answers, and on SIGTERM (here: the context ending) finishes
// and returns cleanly, after which nothing listens any more.
func TestServeAndGracefulShutdown(t *testing.T) {
	url := dbtest.NewEmpty(t)
	setEnv(t, url)
	addr := freeAddr(t)

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var out, errOut bytes.Buffer
		done <- run(ctx, []string{"serve", "--addr", addr, "--demo"}, strings.NewReader(""), &out, &errOut)
	}()
	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/api/v1/events?past=true")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			Slug     string `json:"slug"`
			StartsAt string `json:"starts_at"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	found := false
	for _, e := range list.Items {
		found = found || (e.Slug == "digitale-kommune-eine-typfrage" && e.StartsAt == "2020-10-29T16:00:00Z")
	}
	if !found {
		t.Errorf("demo websession missing from %+v", list.Items)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
