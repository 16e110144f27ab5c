package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
)

func mustUser(t *testing.T, pool *sqlx.DB, email, role string) *auth.User {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), pool, auth.NewUser{Email: email, Name: "Test " + role, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A token works until it is revoked; a wrong or malformed one never does.
func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	u := mustUser(t, pool, "orga@example.org", auth.RoleOrganizer)

	secret, tok, err := auth.CreateToken(ctx, pool, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "pdm_") || len(secret) < 40 {
		t.Fatalf("token %q: want pdm_ and at least 256 bits", secret)
	}
	var stored []byte
	if err := pool.Get(&stored, `SELECT token_hash FROM api_tokens WHERE id = $1`, tok.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), secret) {
		t.Fatal("the token is stored in clear")
	}

	got, err := auth.UserByToken(ctx, pool, secret)
	if err != nil || got.ID != u.ID {
		t.Fatalf("valid token: %v, %v", got, err)
	}
	var lastUsed *string
	pool.Get(&lastUsed, `SELECT last_used_at::text FROM api_tokens WHERE id = $1`, tok.ID)
	if lastUsed == nil {
		t.Error("last_used_at not recorded")
	}

	for _, wrong := range []string{"", "pdm_", secret + "x", strings.TrimPrefix(secret, "pdm_"), "pdm_" + strings.Repeat("A", 200)} {
		if _, err := auth.UserByToken(ctx, pool, wrong); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("token %q: err = %v, want ErrInvalidToken", wrong, err)
		}
	}

	if err := auth.RevokeToken(ctx, pool, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.UserByToken(ctx, pool, secret); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("revoked token: err = %v", err)
	}
	if err := auth.RevokeToken(ctx, pool, u.ID, tok.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("revoking twice: err = %v", err)
	}
}

// Email addresses are unique whatever their case, and a new user must be well formed.
func TestCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	mustUser(t, pool, "Orga@Example.org", auth.RoleOrganizer)
	if _, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "orga@example.ORG", Name: "Again", Role: auth.RoleMember}); !errors.Is(err, auth.ErrUserExists) {
		t.Fatalf("duplicate in other case: err = %v", err)
	}
	if u, err := auth.UserByEmail(ctx, pool, "ORGA@example.org"); err != nil || u.Email != "Orga@Example.org" {
		t.Fatalf("lookup ignoring case: %v, %v", u, err)
	}
	bad := []auth.NewUser{
		{Email: "not-an-address", Name: "X", Role: auth.RoleMember},
		{Email: "x@example.org", Name: "", Role: auth.RoleMember},
		{Email: "x@example.org", Name: "X", Role: "boss"},
		{Email: "x@example.org", Name: "X", Role: auth.RoleMember, Password: "short"},
		{Email: "x@example.org", Name: "X", Role: auth.RoleMember, Password: strings.Repeat("p", 73)},
	}
	for _, n := range bad {
		if _, err := auth.CreateUser(ctx, pool, n); err == nil {
			t.Errorf("CreateUser(%+v) succeeded", n)
		}
	}
}

// The permission table: admins may do everything, organizers of an event organize it,
// moderators only moderate it, and nobody may do anything on another event.
func TestAllowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	admin := mustUser(t, pool, "admin@example.org", auth.RoleAdmin)
	orga := mustUser(t, pool, "orga@example.org", auth.RoleOrganizer)
	mod := mustUser(t, pool, "mod@example.org", auth.RoleMember)
	stranger := mustUser(t, pool, "other@example.org", auth.RoleOrganizer)

	var eventA, eventB int64
	insert := `INSERT INTO events (slug, title, starts_at, ends_at, timezone, organizer_name, organizer_email, registration_closes_at)
		VALUES ($1, 'T', now(), now() + interval '1 hour', 'Europe/Berlin', 'O', 'o@example.org', now()) RETURNING id`
	pool.Get(&eventA, insert, "event-a")
	pool.Get(&eventB, insert, "event-b")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(auth.SetEventRole(ctx, pool, eventA, orga.ID, auth.EventOrganizer))
	must(auth.SetEventRole(ctx, pool, eventA, mod.ID, auth.EventModerator))
	must(auth.SetEventRole(ctx, pool, eventB, stranger.ID, auth.EventOrganizer))

	cases := []struct {
		name  string
		user  *auth.User
		event int64
		need  auth.Need
		want  bool
	}{
		{"anonymous, public", nil, eventA, auth.NeedNothing, true},
		{"anonymous, organizer", nil, eventA, auth.NeedOrganizer, false},
		{"admin, organizer", admin, eventA, auth.NeedOrganizer, true},
		{"organizer, organizer", orga, eventA, auth.NeedOrganizer, true},
		{"organizer, moderator", orga, eventA, auth.NeedModerator, true},
		{"moderator, moderator", mod, eventA, auth.NeedModerator, true},
		{"moderator, organizer", mod, eventA, auth.NeedOrganizer, false},
		{"moderator of A on B", mod, eventB, auth.NeedModerator, false},
		{"organizer of B on A", stranger, eventA, auth.NeedOrganizer, false},
		{"organizer of B on A, moderating", stranger, eventA, auth.NeedModerator, false},
	}
	for _, c := range cases {
		got, err := auth.Allowed(ctx, pool, c.user, c.event, c.need)
		if err != nil || got != c.want {
			t.Errorf("%s: allowed = %v (%v), want %v", c.name, got, err, c.want)
		}
	}
	if !auth.CanCreateEvents(orga) || !auth.CanCreateEvents(admin) || auth.CanCreateEvents(mod) || auth.CanCreateEvents(nil) {
		t.Error("only admins and organizers may create events")
	}
}
