package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
)

// podium export writes the demo follow-up's attendee list to a file, as CSV or XLSX; an unknown
// event or format leaves no file behind.
func TestExportCommand(t *testing.T) {
	pool, url := dbtest.NewWithURL(t)
	setEnv(t, url)
	if err := demo.Load(context.Background(), pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	confirmed := time.Date(2026, 10, 29, 16, 3, 0, 0, time.UTC)
	pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, confirmed_at)
		SELECT id, 'confirmed', 'Jürgen Weiß', 'juergen@wesel.example', now(), '\x01', $2 FROM events WHERE slug = $1`, demo.FollowUpSlug, confirmed)
	dir := t.TempDir()

	csvFile := filepath.Join(dir, "teilnehmende.csv")
	if _, err := cli(t, "", "export", "--event", demo.FollowUpSlug, "--format", "csv", "--delimiter", "semicolon", "--lang", "de", "-o", csvFile); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(csvFile)
	// In German: the status, the time of confirmation as German Excel reads it (in Berlin, 17:03 in
	// winter time) and "nein" for not attended.
	if !strings.HasPrefix(string(raw), "\ufeffID;Name;E-Mail;") || !strings.Contains(string(raw), "Jürgen Weiß;juergen@wesel.example;;;;bestätigt;") ||
		!strings.Contains(string(raw), ";29.10.2026 17:03;nein;") {
		t.Errorf("csv %q", raw)
	}

	xlsxFile := filepath.Join(dir, "teilnehmende.xlsx")
	if _, err := cli(t, "", "export", "--event", demo.FollowUpSlug, "--format", "xlsx", "-o", xlsxFile); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(xlsxFile)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != 2 || rows[1][1] != "Jürgen Weiß" || rows[1][6] != "confirmed" {
		t.Errorf("xlsx rows %q", rows)
	}
	if _, err := cli(t, "", "export", "--event", demo.FollowUpSlug, "--lang", "fr"); err == nil {
		t.Error("an unknown language exported")
	}

	if _, err := cli(t, "", "export", "--event", "no-such-event", "-o", filepath.Join(dir, "x.csv")); err == nil {
		t.Error("an unknown event exported")
	}
	if _, err := cli(t, "", "export", "--event", demo.FollowUpSlug, "--format", "pdf"); err == nil {
		t.Error("an unknown format exported")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left in the folder: %d, want the two exports", len(entries))
	}
}
