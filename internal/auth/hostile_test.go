package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
)

// An address PostgreSQL cannot read (NUL, invalid UTF-8) belongs to no user: looking it up, logging
// in with it and giving it a role answer as for an unknown address, never with a database error.
func TestAddressesThatCannotBeStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var eventID int64
	if err := pool.Get(&eventID, `INSERT INTO events (slug, title, starts_at, ends_at, timezone, registration_closes_at, organizer_name, organizer_email)
		VALUES ('fest', 'Fest', now(), now() + interval '1 hour', 'Europe/Berlin', now(), 'ÖFIT', 'oefit@example.org') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"orga\x00@example.org", "K\xf6ln@example.org"} {
		if _, err := auth.UserByEmail(ctx, pool, email); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("UserByEmail(%q): %v", email, err)
		}
		if _, err := auth.CheckPassword(ctx, pool, email, "ein sicheres Passwort"); !errors.Is(err, auth.ErrBadLogin) {
			t.Errorf("CheckPassword(%q): %v", email, err)
		}
		var v *domain.ValidationError
		if _, _, err := auth.GiveEventRole(ctx, pool, auth.ManageKey("k"), eventID, email, auth.EventModerator, "de", nil, time.Now()); !errors.As(err, &v) || !v.Has("email") {
			t.Errorf("GiveEventRole(%q): %v", email, err)
		}
		if _, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: email, Name: "X", Role: auth.RoleMember}); err == nil {
			t.Errorf("CreateUser(%q) succeeded", email)
		}
	}
	if _, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "x@example.org", Name: "Anna\x00", Role: auth.RoleMember}); err == nil {
		t.Error("CreateUser with NUL in the name succeeded")
	}
}
