package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/web"
)

// shutdownTimeout is how long in-flight requests get to finish after SIGTERM.
const shutdownTimeout = 20 * time.Second

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", cfg.Addr, "listen address")
	noWorker := fs.Bool("no-worker", false, "do not run the background worker in this process")
	loadDemo := fs.Bool("demo", false, "load the demo events once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := config.CheckAddr(*addr); err != nil {
		return usageError("serve: --addr " + err.Error())
	}
	if cfg.SecretIsRandom {
		log.Warn("PODIUM_SECRET is not set: using a random secret, so signed cookies do not survive a restart and several processes do not share them")
	}

	pool, err := db.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool.DB, log); err != nil {
		return err
	}
	if *loadDemo {
		if err := demo.Load(ctx, pool, time.Now(), log); err != nil {
			return err
		}
	}
	// The worker arrives with the mail outbox; the flag is accepted now so that scripts keep working.
	_ = *noWorker

	srv, err := web.New(pool, cfg, log, time.Now)
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Addr:              *addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("serving", "addr", listener.Addr().String(), "base_url", cfg.BaseURL.String())

	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(listener) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool.DB, log); err != nil {
		return err
	}
	log.Info("schema up to date")
	return nil
}
