package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db"
)

func users(ctx context.Context, cfg *config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("users: the only subcommand is add")
	}
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	email := fs.String("email", "", "email address (the login)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", auth.RoleMember, "admin, organizer or member")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	existOK := fs.Bool("exist-ok", false, "succeed without change if the user exists")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	n := auth.NewUser{Email: *email, Name: *name, Role: *role}
	if *passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("users add: reading the password: %w", err)
		}
		n.Password = strings.TrimRight(line, "\r\n")
		if n.Password == "" {
			return errors.New("users add: --password-stdin: standard input held no password")
		}
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	u, err := auth.CreateUser(ctx, pool, n)
	if errors.Is(err, auth.ErrUserExists) && *existOK {
		fmt.Fprintf(stdout, "user %s exists already\n", *email)
		return nil
	}
	if err != nil {
		return fmt.Errorf("users add: %w", err)
	}
	fmt.Fprintf(stdout, "created user %d (%s, %s)\n", u.ID, u.Email, u.Role)
	return nil
}

func tokens(ctx context.Context, cfg *config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("tokens: missing subcommand create, list or revoke")
	}
	sub := args[0]
	fs := flag.NewFlagSet("tokens "+sub, flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	label := fs.String("name", "", "a label to recognise the token by (create)")
	id := fs.Int64("id", 0, "the token's id (revoke)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case sub != "create" && sub != "list" && sub != "revoke":
		return usageError(fmt.Sprintf("tokens: unknown subcommand %q", sub))
	case *email == "":
		return usageError("tokens " + sub + ": --email is required")
	case sub == "revoke" && *id == 0:
		return usageError("tokens revoke: --id is required")
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	u, err := auth.UserByEmail(ctx, pool, *email)
	if errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("tokens %s: no user with the email address %s", sub, *email)
	}
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		secret, _, err := auth.CreateToken(ctx, pool, u.ID, *label)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
	case "list":
		ts, err := auth.Tokens(ctx, pool, u.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tCREATED\tLAST USED\tREVOKED")
		for _, t := range ts {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.DateTime), maybeTime(t.LastUsedAt), maybeTime(t.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		if err := auth.RevokeToken(ctx, pool, u.ID, *id); errors.Is(err, auth.ErrNotFound) {
			return fmt.Errorf("tokens revoke: %s has no active token %d", *email, *id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %d\n", *id)
	}
	return nil
}

func maybeTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateTime)
}
