package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/event"
)

// utf8BOM makes Excel read the file as UTF-8, so umlauts survive a double click.
const utf8BOM = "\ufeff"

// germanExcelTime is how a German list writes a time: German Excel reads it as a date and time.
const germanExcelTime = "02.01.2006 15:04"

// WriteCSV writes the attendee list as CSV: a byte order mark, a header row, one row per
// attendee. Times are in the event's time zone: RFC 3339, or for a German list as German Excel
// reads dates ("29.10.2020 17:00").
func WriteCSV(ctx context.Context, q sqlx.QueryerContext, w io.Writer, e *event.Event, opt Options) error {
	buf := bufio.NewWriterSize(w, 64<<10)
	if _, err := buf.WriteString(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(buf)
	if opt.Delimiter != 0 {
		cw.Comma = opt.Delimiter
	}
	if err := cw.Write(header(e, opt.Lang)); err != nil {
		return err
	}
	loc, layout := e.Zone(), time.RFC3339
	if opt.german() {
		layout = germanExcelTime
	}
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(layout)
	}
	record := make([]string, 0, len(columns)+len(e.Questions)+len(trailing))
	err := each(ctx, q, e, opt, func(r *row) error {
		record = append(record[:0], strconv.FormatInt(r.ID, 10), safe(r.Name), safe(r.Email),
			safe(r.Organization), safe(r.Municipality), safe(r.Role), opt.word(r.Status),
			when(&r.CreatedAt), when(r.ConfirmedAt), opt.yesNo(r.Attended))
		for _, a := range answers(e, r.Answers) {
			switch v := a.(type) {
			case bool:
				record = append(record, opt.yesNo(v))
			case string:
				record = append(record, safe(v))
			}
		}
		record = append(record, when(r.FirstJoinedAt), strconv.Itoa(r.Joins))
		return cw.Write(record)
	})
	if err != nil {
		// The rows so far are on their way; the last line says they are not all.
		cw.Write([]string{incomplete(opt.Lang)}) //nolint:errcheck // the export failed already
		cw.Flush()
		buf.Flush() //nolint:errcheck // likewise
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return buf.Flush()
}
