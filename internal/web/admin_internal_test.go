package web

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
)

// countingQueryer passes queries to the database and counts them.
type countingQueryer struct {
	sqlx.QueryerContext
	n int
}

func (q *countingQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q.n++
	return q.QueryerContext.QueryContext(ctx, query, args...)
}

func (q *countingQueryer) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	q.n++
	return q.QueryerContext.QueryxContext(ctx, query, args...)
}

func (q *countingQueryer) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	q.n++
	return q.QueryerContext.QueryRowxContext(ctx, query, args...)
}

// /admin costs the same number of queries for an organizer of two events as for one of forty,
// and for an admin who sees them all.
func TestAdminPageQueriesDoNotGrowWithEvents(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	organizer, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "orga@example.org", Name: "Orga", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "admin@example.org", Name: "Admin", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`INSERT INTO event_members (event_id, user_id, role) SELECT id, $1, 'organizer' FROM events`, organizer.ID)

	queries := func(u *auth.User) (int, int) {
		q := &countingQueryer{QueryerContext: pool}
		v, _, err := loadAdminView(ctx, q, u)
		if err != nil {
			t.Fatal(err)
		}
		return q.n, len(v.Events)
	}
	few, fewEvents := queries(organizer)
	for i := range 40 {
		pool.MustExec(`INSERT INTO events (slug, title, starts_at, ends_at, timezone, organizer_name, organizer_email, status, registration_closes_at)
			SELECT $1, title, starts_at, ends_at, timezone, organizer_name, organizer_email, status, registration_closes_at FROM events ORDER BY id LIMIT 1`,
			fmt.Sprintf("kopie-%d", i))
	}
	pool.MustExec(`INSERT INTO event_members (event_id, user_id, role) SELECT id, $1, 'organizer' FROM events
		ON CONFLICT DO NOTHING`, organizer.ID)
	pool.MustExec(`INSERT INTO registrations (event_id, email, name, status, language, consent_at, token_hash, token_salt)
		SELECT id, 'x' || id || '@example.org', 'X', 'confirmed', 'de', now(), sha256(id::text::bytea), '\x00' FROM events`)
	many, manyEvents := queries(organizer)
	if manyEvents != fewEvents+40 {
		t.Fatalf("the organizer sees %d events, then %d", fewEvents, manyEvents)
	}
	if many != few {
		t.Errorf("/admin took %d queries for %d events and %d for %d", few, fewEvents, many, manyEvents)
	}
	all, allEvents := queries(admin)
	if allEvents != manyEvents || all != many+1 { // the admin also sees the recent audit log
		t.Errorf("the admin's /admin: %d events in %d queries", allEvents, all)
	}
}
