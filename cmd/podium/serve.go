package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/internal/reminder"
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
	if err := requireSecret(cfg); err != nil {
		return err
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
	srv, err := web.New(pool, cfg, log, time.Now)
	if err != nil {
		return err
	}
	var run func(context.Context)
	if !*noWorker {
		if run, err = background(pool, cfg, log); err != nil {
			return err
		}
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
	// Open streams would keep Shutdown waiting for ever: end them at once, and browsers
	// reconnect to another process.
	httpServer.RegisterOnShutdown(srv.CloseStreams)
	// Listen before the worker starts, so a taken port leaves nothing running behind.
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("serving", "addr", listener.Addr().String(), "base_url", cfg.BaseURL.String())
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, srv.MetricsHandler(), log)
		if err != nil {
			listener.Close()
			return err
		}
		defer stopMetrics()
	}

	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone, listenerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(workerDone)
		if run != nil {
			run(workerCtx)
		}
	}()
	go func() {
		defer close(listenerDone)
		if err := srv.Listen(workerCtx); err != nil {
			log.Error("live questions will not update: the database listener failed", "error", err)
		}
	}()
	// The pool closes when serve returns, so every path waits for the background work first.
	defer func() {
		stopWorker()
		<-workerDone
		<-listenerDone
		log.Info("stopped")
	}()

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
	return nil
}

// worker runs the mail worker alone, for deployments that separate it from the web servers.
func worker(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireSecret(cfg); err != nil {
		return err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := checkSchema(ctx, pool); err != nil {
		return err
	}
	run, err := background(pool, cfg, log)
	if err != nil {
		return err
	}
	log.Info("worker running")
	run(ctx)
	log.Info("worker stopped")
	return nil
}

// sweepInterval is how often the worker expires unconfirmed registrations and erases the data
// of attendees whose event ended longer ago than the retention period.
const sweepInterval = time.Minute

// background returns the work that runs beside the web server: the mail worker (which also
// sends reminders) and the sweep. It runs until its context ends.
func background(pool *sqlx.DB, cfg *config.Config, log *slog.Logger) (func(context.Context), error) {
	w, err := newWorker(pool, cfg, log)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.Run(ctx)
			if c, ok := w.Sender.(io.Closer); ok {
				if err := c.Close(); err != nil {
					log.Warn("closing the mail server connections", "error", err)
				}
			}
		}()
		ticker := time.NewTicker(sweepInterval)
		defer ticker.Stop()
		for {
			sweep(ctx, pool, cfg, log, time.Now())
			select {
			case <-ctx.Done():
				<-done
				return
			case <-ticker.C:
			}
		}
	}, nil
}

// sweep expires unconfirmed registrations and old sessions, and erases personal data past the
// retention period.
func sweep(ctx context.Context, pool *sqlx.DB, cfg *config.Config, log *slog.Logger, now time.Time) {
	n, err := registration.ExpirePending(ctx, pool, now.Add(-cfg.ConfirmWithin))
	if err != nil && ctx.Err() == nil {
		log.Error("expiring unconfirmed registrations", "error", err)
	} else if n > 0 {
		log.Info("unconfirmed registrations expired", "count", n)
	}
	if _, err := auth.DeleteExpiredSessions(ctx, pool, now); err != nil && ctx.Err() == nil {
		log.Error("deleting expired sessions", "error", err)
	}
	if _, err := auth.DeleteExpiredLinks(ctx, pool, now); err != nil && ctx.Err() == nil {
		log.Error("deleting expired invitation and reset links", "error", err)
	}
	retention := time.Duration(cfg.RetentionDays) * 24 * time.Hour
	n, err = registration.EraseEnded(ctx, pool, now.Add(-retention))
	if err != nil && ctx.Err() == nil {
		log.Error("erasing personal data after the retention period", "error", err)
	} else if n > 0 {
		log.Info("personal data erased after the retention period", "registrations", n)
	}
}

// newWorker wires the mail worker: SMTP when PODIUM_SMTP_URL is set, else .eml files.
func newWorker(pool *sqlx.DB, cfg *config.Config, log *slog.Logger) (*mail.Worker, error) {
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	renderer, err := mail.NewRenderer(messages, cfg.BaseURL, cfg.MailFrom)
	if err != nil {
		return nil, err
	}
	var sender mail.Sender = mail.FileSender{Dir: cfg.MailDir}
	if cfg.SMTP != nil {
		sender = mail.NewSMTPSender(cfg.SMTP, cfg.MailLease)
	} else {
		log.Info("no PODIUM_SMTP_URL: mail is written as .eml files", "dir", cfg.MailDir)
	}
	key := auth.ManageKey(cfg.Secret)
	return &mail.Worker{Pool: pool, Directory: registration.Directory{DB: pool, Key: key}, Accounts: auth.LinkDirectory{DB: pool, Key: key},
		Reminders: reminder.Queuer{DB: pool}, Sender: sender, Renderer: renderer, Log: log,
		Concurrency: cfg.MailConcurrency, Rate: cfg.MailRate, Lease: cfg.MailLease}, nil
}

// requireSecret refuses to run without PODIUM_SECRET: mailed manage links are derived from it,
// so a random secret would break every link at the next restart.
func requireSecret(cfg *config.Config) error {
	if cfg.SecretIsRandom {
		return errors.New("PODIUM_SECRET is required: mailed links are derived from it. Make one with: head -c 32 /dev/urandom | base64")
	}
	return nil
}

// checkSchema refuses to work on a database whose migrations are not all applied.
func checkSchema(ctx context.Context, pool *sqlx.DB) error {
	ok, err := db.IsSchemaUpToDate(ctx, pool.DB)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the database schema is not up to date: run podium migrate first")
	}
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
