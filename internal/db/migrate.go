package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/podium-events/podium/migrations"
)

// newProvider builds the goose provider over the embedded migrations. The session locker makes
// concurrent starts safe: one process migrates, the others wait and then find nothing to do.
func newProvider(pool *sql.DB) (*goose.Provider, error) {
	// Poll for the lock every second, for up to five minutes: another process's migration is
	// usually done in well under a second.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration.
func Migrate(ctx context.Context, pool *sql.DB, log *slog.Logger) error {
	p, err := newProvider(pool)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// IsSchemaUpToDate tells whether every migration has been applied.
func IsSchemaUpToDate(ctx context.Context, pool *sql.DB) (bool, error) {
	p, err := newProvider(pool)
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("db: schema version: %w", err)
	}
	return !pending, nil
}
