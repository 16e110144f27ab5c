// Command podium is the whole service: the web server, the migrations and the admin commands.
// It reads its configuration, wires the parts together and runs one subcommand.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // event time zones must resolve on machines without zoneinfo

	"github.com/podium-events/podium/internal/config"
)

const usage = `podium: event and websession registration for public administration

usage:
  podium serve   [--addr :8080] [--no-worker] [--demo]   HTTP server (+ mail worker)
  podium worker                                           mail worker alone
  podium migrate                                          apply migrations, then exit
  podium users add --email E --name N [--role admin|organizer|member] [--password-stdin] [--exist-ok]
  podium tokens create --email E [--name LABEL]           print a new API token on stdout
  podium tokens list --email E                            list a user's tokens
  podium tokens revoke --email E --id N                   revoke one of them
  podium export --event SLUG --format csv|xlsx [-o FILE]  the attendee list
         [--status confirmed|...|all] [--lang de] [--delimiter comma|semicolon]

Configuration comes from the environment (DATABASE_URL, PODIUM_ADDR, PODIUM_BASE_URL, ...);
flags win. See README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var usageErr usageError
		if errors.As(err, &usageErr) {
			fmt.Fprintf(os.Stderr, "podium: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "podium: %v\n", err)
		os.Exit(1)
	}
}

// usageError is a command line that cannot be understood.
type usageError string

func (e usageError) Error() string { return string(e) }

// run executes one subcommand; main and the tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("missing command")
	}
	cmd, args := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.Load(os.Getenv, randomSecret)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, args)
	case "worker":
		return worker(ctx, cfg, log, args)
	case "migrate":
		return migrate(ctx, cfg, log, args)
	case "users":
		return users(ctx, cfg, args, stdin, stdout)
	case "tokens":
		return tokens(ctx, cfg, args, stdout)
	case "export":
		return exportAttendees(ctx, cfg, args, stdout)
	}
	return usageError(fmt.Sprintf("unknown command %q", cmd))
}

func randomSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// parseFlags parses a subcommand's flags and refuses stray arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError(fmt.Sprintf("%s: %v", fs.Name(), err))
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return nil
}
