package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// exports: the attendee list at each size of sizes, as CSV and as XLSX through `podium
// export`, with the time and the peak memory of that process. Streaming shows as memory that
// stays flat while the list grows a hundredfold.
func (b *bench) exports(ctx context.Context, s *server, sizes string) error {
	for _, field := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("-attendees: %q is not a number of attendees", field)
		}
		if err := b.export(ctx, s, n); err != nil {
			return err
		}
	}
	return nil
}

// export measures one size.
func (b *bench) export(ctx context.Context, s *server, n int) error {
	e, err := newEvent(ctx, s, "Bench Export", nil, false)
	if err != nil {
		return err
	}
	// In parts, each within the statement timeout.
	for from := 1; from <= n; from += 100_000 {
		_, err = s.pool.ExecContext(ctx, `INSERT INTO registrations (event_id, status, name, email, organization, municipality,
				role, answers, consent_at, token_hash, confirmed_at)
			SELECT $1::bigint, 'confirmed', 'Teilnehmerin ' || i, 'teilnehmerin' || i || '@kommune.example', 'Stadtverwaltung Köln',
				'Köln', 'Sachgebietsleitung Digitalisierung', '{}', now(), sha256(convert_to($1::text || '-' || i, 'UTF8')), now()
			FROM generate_series($2::int, $3::int) AS i`, e.ID, from, min(from+100_000-1, n))
		if err != nil {
			return fmt.Errorf("export: attendees: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "podium-bench-export")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, format := range []string{"csv", "xlsx"} {
		file := filepath.Join(dir, "attendees."+format)
		cmd := exec.CommandContext(ctx, b.binary, "export", "--event", e.Slug, "--format", format, "-o", file)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+b.dbURL)
		start := time.Now()
		peak, err := runMeasured(cmd)
		if err != nil {
			return fmt.Errorf("export %s: %w", format, err)
		}
		took := time.Since(start)
		info, _ := os.Stat(file)
		b.add(result{Scenario: fmt.Sprintf("7 export %d attendees, %s", n, format), Value: took.Seconds(), Unit: "s",
			Note: fmt.Sprintf("peak RSS %.0f MiB, file %.1f MiB, %.0f rows/s", float64(peak)/(1<<20), float64(info.Size())/(1<<20), float64(n)/took.Seconds())})
	}
	return nil
}

// runMeasured runs cmd and returns its peak resident memory, read from VmHWM while it runs:
// the rusage of a child also counts the memory of the parent it was forked from.
func runMeasured(cmd *exec.Cmd) (int64, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	for {
		if hwm := statusKB(cmd.Process.Pid, "VmHWM:") * 1024; hwm > peak {
			peak = hwm
		}
		select {
		case err := <-done:
			if err != nil {
				return 0, fmt.Errorf("%v\n%s", err, out.String())
			}
			return peak, nil
		case <-time.After(5 * time.Millisecond):
		}
	}
}
