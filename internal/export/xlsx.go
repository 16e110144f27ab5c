package export

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/event"
)

// sheetName is the one sheet of an export.
const sheetName = "Teilnehmende"

// maxColumnWidth keeps a long answer from making a column wider than a screen.
const maxColumnWidth = 60

// WriteXLSX writes the attendee list as an Excel workbook with excelize's stream writer: a
// bold, frozen header row, date cells in the event's local time, and columns as wide as their
// header and first rows need. A German list writes yes and no as the words ja and nein: Excel
// shows a boolean cell as WAHR or FALSCH whatever its number format says.
func WriteXLSX(ctx context.Context, q sqlx.QueryerContext, w io.Writer, e *event.Event, opt Options) error {
	f := excelize.NewFile()
	defer f.Close()
	// excelize builds the whole zip in a buffer before writing it out; with its zip writer on w
	// itself, the workbook streams out as it is compressed, and memory stays flat however long
	// the list (the buffer's fix-up for parts over 4 GiB never applies to a list of attendees).
	zw := zip.NewWriter(w)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// Printed, the list fits the width of a landscape page.
	landscape, one, zero, fit := "landscape", 1, 0, true
	if err := f.SetPageLayout(sheetName, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := f.SetSheetProps(sheetName, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	dateFormat := "yyyy-mm-dd hh:mm"
	if opt.german() {
		dateFormat = "dd.mm.yyyy hh:mm"
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// An English list keeps booleans as booleans, for formulas and scripts; LibreOffice shows
	// them as yes and no.
	yesNo := `"yes";"yes";"no"`
	booleanStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &yesNo})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	boolean := func(b bool) any {
		if opt.german() {
			return opt.yesNo(b)
		}
		return excelize.Cell{StyleID: booleanStyle, Value: b}
	}
	labels := header(e, opt.Lang)
	// Column widths must be set before the first row; they follow the header and fixed guesses.
	answersEnd := len(columns) + len(e.Questions)
	for i, label := range labels {
		width := float64(max(utf8.RuneCountInString(label)+2, 12))
		switch {
		case i >= answersEnd:
			if trailing[i-answersEnd].key == "first_joined_at" {
				width = 18
			}
		case i >= len(columns):
			width = float64(min(max(utf8.RuneCountInString(label)+2, 20), maxColumnWidth))
		default:
			switch columns[i].key {
			case "name", "email", "organization":
				width = 30
			case "registered_at", "confirmed_at":
				width = 18
			}
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	head := make([]any, len(labels))
	for i, l := range labels {
		head[i] = excelize.Cell{StyleID: bold, Value: l}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	loc := e.Zone()
	// Excel knows no time zones: a date cell holds the wall-clock time of the event's zone.
	local := func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	n := 1
	values := make([]any, 0, len(labels))
	err = each(ctx, q, e, opt, func(r *row) error {
		n++
		var confirmed any = ""
		if r.ConfirmedAt != nil {
			confirmed = excelize.Cell{StyleID: date, Value: local(*r.ConfirmedAt)}
		}
		values = append(values[:0], r.ID, safe(r.Name), safe(r.Email), safe(r.Organization), safe(r.Municipality),
			safe(r.Role), opt.word(r.Status), excelize.Cell{StyleID: date, Value: local(r.CreatedAt)}, confirmed,
			boolean(r.Attended))
		for _, a := range answers(e, r.Answers) {
			switch v := a.(type) {
			case string:
				a = safe(v)
			case bool:
				a = boolean(v)
			}
			values = append(values, a)
		}
		var joined any = ""
		if r.FirstJoinedAt != nil {
			joined = excelize.Cell{StyleID: date, Value: local(*r.FirstJoinedAt)}
		}
		values = append(values, joined, r.Joins)
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, values)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
