package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/export"
)

// A question's label is the organizer's text, but it may come from anyone who could edit the
// event: in the header row it is defused exactly like a cell, in CSV and in XLSX.
func TestHeaderLabelsAreDefused(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := attendees(t, pool)
	e.Questions[0].Label = `=HYPERLINK("http://evil.example","Kommunentyp")`
	e.Questions[1].Label = "@SUM(1+1)*cmd|' /C calc'!A0"
	want := []string{`'=HYPERLINK("http://evil.example","Kommunentyp")`, "'@SUM(1+1)*cmd|' /C calc'!A0"}

	var csvOut bytes.Buffer
	if err := export.WriteCSV(context.Background(), pool, &csvOut, e, export.Options{Statuses: []string{"confirmed"}}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := records[0][10:12]; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("CSV header labels %q, want %q", got, want)
	}

	var xlsxOut bytes.Buffer
	if err := export.WriteXLSX(context.Background(), pool, &xlsxOut, e, export.Options{Statuses: []string{"confirmed"}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0][10:12]; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("XLSX header labels %q, want %q", got, want)
	}
}
