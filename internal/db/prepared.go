package db

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// The statements of a rush (reading the event a request is about, recording a registration)
// are prepared, once per pool and per connection: PostgreSQL then parses and plans each once
// instead of on every call, which for these costs more than running them.
var prepared sync.Map // stmtKey → *sqlx.Stmt

type stmtKey struct {
	pool  *sqlx.DB
	query string
}

// Prepared returns query prepared on pool; database/sql prepares it again on each connection
// the first time it runs there.
func Prepared(ctx context.Context, pool *sqlx.DB, query string) (*sqlx.Stmt, error) {
	key := stmtKey{pool, query}
	if s, ok := prepared.Load(key); ok {
		return s.(*sqlx.Stmt), nil
	}
	s, err := pool.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("db: prepare: %w", err)
	}
	if earlier, loaded := prepared.LoadOrStore(key, s); loaded {
		s.Close()
		return earlier.(*sqlx.Stmt), nil
	}
	return s, nil
}

// Get runs query for one row into dest: prepared when q is the pool, as is inside a transaction
// (whose connection would prepare it for one use only).
func Get(ctx context.Context, q sqlx.QueryerContext, dest any, query string, args ...any) error {
	pool, ok := q.(*sqlx.DB)
	if !ok {
		return sqlx.GetContext(ctx, q, dest, query, args...)
	}
	s, err := Prepared(ctx, pool, query)
	if err != nil {
		return err
	}
	return s.GetContext(ctx, dest, args...)
}

// Select is Get for any number of rows.
func Select(ctx context.Context, q sqlx.QueryerContext, dest any, query string, args ...any) error {
	pool, ok := q.(*sqlx.DB)
	if !ok {
		return sqlx.SelectContext(ctx, q, dest, query, args...)
	}
	s, err := Prepared(ctx, pool, query)
	if err != nil {
		return err
	}
	return s.SelectContext(ctx, dest, args...)
}
