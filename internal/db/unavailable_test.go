package db_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// Errors that say the database is away are told apart from errors of the request or the code.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	away := []error{
		driver.ErrBadConn,
		fmt.Errorf("registration: list: %w", driver.ErrBadConn),
		sql.ErrConnDone,
		&pq.Error{Code: "57P01"}, &pq.Error{Code: "57P02"}, &pq.Error{Code: "57P03"},
		&pq.Error{Code: "08006"}, &pq.Error{Code: "08001"}, &pq.Error{Code: "53300"},
	}
	for _, err := range away {
		if !db.IsUnavailable(err) {
			t.Errorf("%v (%T) is not taken for an unavailable database", err, err)
		}
	}
	fine := []error{nil, sql.ErrNoRows, domain.ErrNotFound, errors.New("boom"), &pq.Error{Code: "23505"},
		&pq.Error{Code: "57014"}, context.Canceled}
	for _, err := range fine {
		if db.IsUnavailable(err) {
			t.Errorf("%v is taken for an unavailable database", err)
		}
	}

	// A real refused connection, as when PostgreSQL is stopped.
	pool, err := sql.Open("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); !db.IsUnavailable(err) {
		t.Errorf("a refused connection (%v) is not taken for an unavailable database", err)
	}
}
