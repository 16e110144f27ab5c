// Package db opens the PostgreSQL pool, applies the schema migrations and runs transactions.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // the PostgreSQL driver behind sqlx
)

// statementTimeout bounds every statement on the server side, whatever the caller's context says.
const statementTimeout = 10 * time.Second

// Open connects to PostgreSQL with a pool of at most maxConns connections and checks that the
// database answers. Sessions run in UTC so timestamps come back as stored.
func Open(ctx context.Context, databaseURL string, maxConns int) (*sqlx.DB, error) {
	dsn, err := withSessionDefaults(databaseURL)
	if err != nil {
		return nil, err
	}
	pool, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pool.SetConnMaxLifetime(30 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: unable to reach the database: %w", err)
	}
	return pool, nil
}

// withSessionDefaults adds the run-time parameters Podium relies on, unless the URL sets them.
func withSessionDefaults(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("db: DATABASE_URL is not a URL")
	}
	q := u.Query()
	if q.Get("timezone") == "" {
		q.Set("timezone", "UTC")
	}
	if q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", fmt.Sprint(statementTimeout.Milliseconds()))
	}
	// lib/pq sends a statement with parameters in two round trips (prepare, then execute)
	// unless its parameters may go in binary; then it is one. Only []byte parameters go
	// binary, which suits bytea; JSON goes as a string.
	if q.Get("binary_parameters") == "" {
		q.Set("binary_parameters", "yes")
	}
	if q.Get("application_name") == "" {
		q.Set("application_name", "podium")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// InTx runs fn in a transaction and commits when fn returns nil; otherwise it rolls back. When
// PostgreSQL ends the transaction to break a deadlock (two changes of one event taking its rows
// in opposite order, such as a person confirming while an organizer moves them), fn runs again
// in a new transaction, a few times at most: fn must do nothing but its database work.
func InTx(ctx context.Context, pool *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	var err error
	for range maxAttempts {
		if err = inTx(ctx, pool, fn); !isDeadlock(err) {
			return err
		}
	}
	return err
}

// maxAttempts bounds how often InTx runs a transaction that deadlocked.
const maxAttempts = 3

func isDeadlock(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "40P01"
}

func inTx(ctx context.Context, pool *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := pool.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// IsNoRows tells whether err means a query found nothing.
func IsNoRows(err error) bool {
	return err == sql.ErrNoRows
}

// Retry runs fn, one statement in its own implicit transaction, again when PostgreSQL ended it
// to break a deadlock, as InTx does for a transaction.
func Retry(fn func() error) error {
	var err error
	for range maxAttempts {
		if err = fn(); !isDeadlock(err) {
			return err
		}
	}
	return err
}
