package db_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/db/dbtest"
)

// A new installation starts from an empty database: the migrations build the whole schema,
// report it current, and a second run (or several processes at once) changes nothing.
func TestMigrateFromEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.Open(ctx, dbtest.NewEmpty(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	upToDate, err := db.IsSchemaUpToDate(ctx, pool.DB)
	if err != nil {
		t.Fatal(err)
	}
	if upToDate {
		t.Fatal("an empty database reports its schema up to date")
	}

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() { errs <- db.Migrate(ctx, pool.DB, slog.New(slog.DiscardHandler)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}

	upToDate, err = db.IsSchemaUpToDate(ctx, pool.DB)
	if err != nil || !upToDate {
		t.Fatalf("after migrate: up to date = %v, %v", upToDate, err)
	}
	for _, table := range []string{"users", "api_tokens", "events", "event_questions", "event_members", "panelists", "agenda_items"} {
		var exists bool
		if err := pool.Get(&exists, `SELECT to_regclass($1) IS NOT NULL`, table); err != nil || !exists {
			t.Errorf("table %s missing after migrate (%v)", table, err)
		}
	}
	if err := db.Migrate(ctx, pool.DB, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

// Sessions run in UTC with a statement timeout, so timestamps come back as stored and no query
// can hold a connection forever.
func TestSessionDefaults(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var tz, timeout string
	if err := pool.Get(&tz, `SHOW timezone`); err != nil {
		t.Fatal(err)
	}
	if err := pool.Get(&timeout, `SHOW statement_timeout`); err != nil {
		t.Fatal(err)
	}
	if tz != "UTC" || timeout != "10s" {
		t.Fatalf("timezone %q, statement_timeout %q; want UTC and 10s", tz, timeout)
	}
}

// An unreachable database is reported at start, not at the first request.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	_, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", 2)
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
}
