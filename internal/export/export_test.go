package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/export"
	"github.com/podium-events/podium/internal/registration"
)

var start = time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC)

var key = auth.ManageKey("a test secret of at least 32 bytes")

// attendees stores an event with a select and a checkbox question, and four registrations:
// umlauts, a formula-looking name, a waitlisted one and a cancelled one.
func attendees(t *testing.T, pool *sqlx.DB) *event.Event {
	t.Helper()
	ctx := context.Background()
	in := event.NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.OnlineURL = "https://konferenz.example.org/raum-7"
	in.Status, in.DoubleOptIn = event.StatusPublished, false
	capacity := 2
	in.Capacity = &capacity
	in.Questions = []event.Question{
		{Key: "kommunentyp", Label: "Welcher Kommunentyp?", Kind: event.KindSelect, Options: []string{"Die Bedächtigen", "Die Optimierer"}},
		{Key: "protokoll", Label: "Protokoll erwünscht", Kind: event.KindCheckbox},
	}
	e, err := event.Create(ctx, pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	people := []registration.Input{
		{Name: "Jürgen Weiß", Email: "juergen@kreis-wesel.example", Organization: "Kreis Wesel", Municipality: "Wesel", Role: "Amtsleitung"},
		{Name: "=HYPERLINK(\"http://evil.example\")", Email: "x@example.org", Organization: "+49 30 1234", Municipality: "@Köln", Role: "-Referat"},
		{Name: "Wartende", Email: "wait@example.org"},
	}
	for i, p := range people {
		p.Consent = true
		p.Answers = map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`), "protokoll": json.RawMessage(`true`)}
		if i == 1 {
			p.Answers = map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Bedächtigen"`), "protokoll": json.RawMessage(`false`)}
		}
		if _, _, err := registration.Register(ctx, pool, key, e, p, start.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// The CSV reads back with Go's CSV reader: BOM, the stable header keys, one column per question,
// umlauts intact, formula-looking values defused, only confirmed attendees by default.
func TestCSV(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := attendees(t, pool)
	var buf bytes.Buffer
	if err := export.WriteCSV(context.Background(), pool, &buf, e, export.Options{Statuses: []string{"confirmed"}}); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	if !strings.HasPrefix(raw, "\ufeff") {
		t.Fatal("no byte order mark")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "id,name,email,organization,municipality,role,status,registered_at,confirmed_at,attended,Welcher Kommunentyp?,Protokoll erwünscht,first_joined_at,joins"
	if got := strings.Join(records[0], ","); got != want {
		t.Errorf("header\n got %s\nwant %s", got, want)
	}
	if len(records) != 3 {
		t.Fatalf("%d rows, want header and 2 confirmed", len(records))
	}
	first := records[1]
	if first[1] != "Jürgen Weiß" || first[4] != "Wesel" || first[6] != "confirmed" || first[8] != "2027-03-02T17:00:00+01:00" || first[10] != "Die Optimierer" || first[11] != "true" {
		t.Errorf("first row %q", first)
	}
	for _, cell := range records[2] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q starts a formula", cell)
		}
	}
	if records[2][1] != `'=HYPERLINK("http://evil.example")` || records[2][5] != "'-Referat" {
		t.Errorf("defused row %q", records[2])
	}
}

// For German Excel: semicolons, German labels, statuses and ja/nein in German, times as German
// Excel reads dates, in the event's zone; ?status=all includes the waitlist.
func TestCSVForGermanExcel(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := attendees(t, pool)
	statuses, err := export.ParseStatus("all")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := export.WriteCSV(context.Background(), pool, &buf, e, export.Options{Statuses: statuses, Lang: "de", Delimiter: ';'}); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff")))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if records[0][2] != "E-Mail" || records[0][7] != "Angemeldet am" || len(records) != 4 {
		t.Fatalf("records %q", records)
	}
	// Confirmed two days before the start, 16:00 UTC: 17:00 in Berlin, in winter time.
	registered := func(email string) string {
		var at time.Time
		pool.Get(&at, `SELECT created_at FROM registrations WHERE email = $1`, email)
		berlin, _ := time.LoadLocation("Europe/Berlin")
		return at.In(berlin).Format("02.01.2006 15:04")
	}
	if got, want := strings.Join(records[1][6:12], ";"), "bestätigt;"+registered("juergen@kreis-wesel.example")+";02.03.2027 17:00;nein;Die Optimierer;ja"; got != want {
		t.Errorf("Jürgen from the status on:\n got %s\nwant %s", got, want)
	}
	if got, want := strings.Join(records[3][6:10], ";"), "Warteliste;"+registered("wait@example.org")+";;nein"; got != want {
		t.Errorf("the waitlisted from the status on:\n got %s\nwant %s", got, want)
	}
	if records[2][11] != "nein" {
		t.Errorf("an unticked checkbox reads %q", records[2][11])
	}
	if _, err := export.ParseStatus("confirmed,lost"); err == nil {
		t.Error("an unknown status is accepted")
	}
}

// The XLSX opens with excelize: one sheet, bold frozen header, dates as date cells in local
// time, for German readers statuses in German and yes/no as the words ja and nein (Excel shows a
// boolean as WAHR or FALSCH whatever its format), formula-looking text defused and no formula
// anywhere. An English list keeps the API's statuses and booleans as booleans.
func TestXLSX(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := attendees(t, pool)
	var buf bytes.Buffer
	if err := export.WriteXLSX(context.Background(), pool, &buf, e, export.Options{Statuses: []string{"confirmed"}, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "Name" || rows[1][1] != "Jürgen Weiß" || rows[2][1] != `'=HYPERLINK("http://evil.example")` {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][8] != "02.03.2027 17:00" {
		t.Errorf("confirmed at %q, want the German date in Berlin time", rows[1][8])
	}
	if raw, _ := f.GetCellValue(sheet, "I2", excelize.Options{RawCellValue: true}); !strings.HasPrefix(raw, "46448.") {
		t.Errorf("confirmed at is stored as %q, want a date serial number", raw)
	}
	if typ, _ := f.GetCellType(sheet, "I2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("confirmed at has the cell type %v, want a number with a date format", typ)
	}
	for cell, want := range map[string]string{"G2": "bestätigt", "J2": "nein", "L2": "ja", "L3": "nein"} {
		typ, _ := f.GetCellType(sheet, cell)
		if v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true}); v != want || typ == excelize.CellTypeBool {
			t.Errorf("%s is stored as %q (cell type %v), want the text %q", cell, v, typ, want)
		}
	}
	for _, cell := range []string{"B3", "D3", "E3", "F3"} {
		if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
			t.Errorf("%s holds the formula %q", cell, formula)
		}
	}
	if layout, err := f.GetPageLayout(sheet); err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("page layout %+v %v, want landscape, one page wide", layout, err)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}

	buf.Reset()
	if err := export.WriteXLSX(context.Background(), pool, &buf, e, export.Options{Statuses: []string{"confirmed"}, Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	en, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer en.Close()
	sheet = en.GetSheetList()[0]
	if v, _ := en.GetCellValue(sheet, "G2"); v != "confirmed" {
		t.Errorf("the English status is %q", v)
	}
	for cell, want := range map[string]string{"J2": "0", "L2": "1"} {
		typ, _ := en.GetCellType(sheet, cell)
		if v, _ := en.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true}); v != want || typ != excelize.CellTypeBool {
			t.Errorf("English %s is stored as %q (cell type %v), want the boolean %s", cell, v, typ, want)
		}
	}
}

// The join columns come last, after the questions, so that the columns before keep their
// places: when the person first followed their join link (in the event's zone) and how often.
func TestJoinColumns(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := attendees(t, pool)
	var juergen registration.Registration
	if err := pool.Get(&juergen, `SELECT id, token_salt FROM registrations WHERE name = 'Jürgen Weiß'`); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{start.Add(-10 * time.Minute), start.Add(20 * time.Minute)} {
		if j, err := registration.Join(ctx, pool, key, registration.JoinToken(key, &juergen), at, 15*time.Minute); err != nil || j.State != registration.JoinOpen {
			t.Fatalf("join at %v: %+v %v", at, j, err)
		}
	}
	var csvOut bytes.Buffer
	if err := export.WriteCSV(ctx, pool, &csvOut, e, export.Options{Statuses: []string{"confirmed"}, Lang: "de", Delimiter: ';'}); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut.String(), "\ufeff")))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(records[0][9:], ";"); got != "Teilgenommen;Welcher Kommunentyp?;Protokoll erwünscht;Erster Zugang;Zugänge" {
		t.Errorf("header from attended on: %s", got)
	}
	if got := strings.Join(records[1][9:], ";"); got != "ja;Die Optimierer;ja;04.03.2027 16:50;2" {
		t.Errorf("Jürgen from attended on: %s", got)
	}
	if got := strings.Join(records[2][12:], ";"); got != ";0" {
		t.Errorf("someone who never joined: %q", got)
	}

	var xlsxOut bytes.Buffer
	if err := export.WriteXLSX(ctx, pool, &xlsxOut, e, export.Options{Statuses: []string{"confirmed"}, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	for cell, want := range map[string]string{"M1": "Erster Zugang", "N1": "Zugänge", "M2": "04.03.2027 16:50", "N2": "2", "J2": "ja", "N3": "0"} {
		if got, _ := f.GetCellValue(sheet, cell); got != want {
			t.Errorf("%s is %q, want %q", cell, got, want)
		}
	}
	if typ, _ := f.GetCellType(sheet, "M2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the first join is text, want a date cell")
	}
}
