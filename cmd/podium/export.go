package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/export"
)

// exportAttendees writes an event's attendee list, as the organizer's download does.
func exportAttendees(ctx context.Context, cfg *config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	slug := fs.String("event", "", "the event's slug")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("o", "", "file to write (default: standard output)")
	status := fs.String("status", "", "confirmed (default), a comma-separated list, or all")
	lang := fs.String("lang", "", "de for a list in German: labels, statuses, ja/nein, dates as German Excel reads them")
	delimiter := fs.String("delimiter", "comma", "comma or semicolon (CSV)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *slug == "":
		return usageError("export: --event is required")
	case *format != "csv" && *format != "xlsx":
		return usageError("export: --format must be csv or xlsx")
	case *delimiter != "comma" && *delimiter != "semicolon":
		return usageError("export: --delimiter must be comma or semicolon")
	case *lang != "" && *lang != "de" && *lang != "en":
		return usageError("export: --lang must be de or en")
	}
	statuses, err := export.ParseStatus(*status)
	if err != nil {
		return usageError("export: --status must be pending, confirmed, waitlisted, cancelled, a list of them, or all")
	}
	opt := export.Options{Statuses: statuses, Lang: *lang, Delimiter: ','}
	if *delimiter == "semicolon" {
		opt.Delimiter = ';'
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	e, err := event.BySlug(ctx, pool, *slug)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("export: no event with the slug %q", *slug)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		return writeExport(ctx, pool, stdout, e, *format, opt)
	}
	// Written beside the target and renamed, so a failed export leaves no half file behind.
	f, err := os.CreateTemp(filepath.Dir(*out), ".podium-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := writeExport(ctx, pool, f, e, *format, opt); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return os.Rename(f.Name(), *out)
}

func writeExport(ctx context.Context, pool *sqlx.DB, w io.Writer, e *event.Event, format string, opt export.Options) error {
	if format == "xlsx" {
		return export.WriteXLSX(ctx, pool, w, e, opt)
	}
	return export.WriteCSV(ctx, pool, w, e, opt)
}
