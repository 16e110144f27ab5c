// Package dbtest gives each test a fresh, migrated PostgreSQL database of its own.
//
// The first call in a test binary makes a template database with every migration applied (once
// per set of migrations, shared by all packages); each test then gets a cheap copy of it, dropped
// when the test ends. The server is the one DATABASE_URL points to (make test starts it).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/migrations"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// URL returns the DATABASE_URL of the test server, failing the test when it is not set.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
	}
	return u
}

// New returns a pool on a fresh database holding the current schema and no rows.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	pool, _ := NewWithURL(t)
	return pool
}

// NewWithURL is New and also returns the new database's URL, for tests that start a server process.
func NewWithURL(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	base := URL(t)
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(base) })
	if templateErr != nil {
		t.Fatalf("dbtest: template database: %v", templateErr)
	}
	name := "test_" + randomHex(8)
	admin := connect(t, base, "postgres")
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	pool := connect(t, base, name)
	t.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("dbtest: drop database: %v", err)
		}
		admin.Close()
	})
	return pool, WithDatabase(base, name)
}

// NewEmpty returns the URL of a fresh database without any schema, dropped when the test ends.
func NewEmpty(t testing.TB) string {
	t.Helper()
	base := URL(t)
	name := "test_empty_" + randomHex(8)
	admin := connect(t, base, "postgres")
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) //nolint:errcheck
		admin.Close()
	})
	return WithDatabase(base, name)
}

// WithDatabase returns databaseURL pointing at another database on the same server.
func WithDatabase(databaseURL, name string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func connect(t testing.TB, base, name string) *sqlx.DB {
	t.Helper()
	pool, err := db.Open(context.Background(), WithDatabase(base, name), 8)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return pool
}

// ensureTemplate creates the migrated template database unless another test binary already did.
// Its name carries a hash of the migrations, so a changed migration gets a new template.
func ensureTemplate(base string) (string, error) {
	name := "podium_template_" + migrationsHash()
	ctx := context.Background()
	admin, err := db.Open(ctx, WithDatabase(base, "postgres"), 2)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Test binaries of several packages start at once; one of them builds the template.
	const templateLock = 7_301_104_212
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, templateLock) //nolint:errcheck

	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	pool, err := db.Open(ctx, WithDatabase(base, building), 2)
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, pool.DB, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", path, b)
		return nil
	})
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
