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

// WriteCSV writes the attendee list as CSV: a byte order mark, a header row, one row per
// attendee. Times are RFC 3339 in the event's time zone.
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
	loc := e.Zone()
	yes, no := "true", "false"
	if opt.Lang == "de" {
		yes, no = "ja", "nein"
	}
	boolean := func(b bool) string {
		if b {
			return yes
		}
		return no
	}
	record := make([]string, 0, len(columns)+len(e.Questions)+len(trailing))
	err := each(ctx, q, e, opt, func(r *row) error {
		confirmed := ""
		if r.ConfirmedAt != nil {
			confirmed = r.ConfirmedAt.In(loc).Format(time.RFC3339)
		}
		record = append(record[:0], strconv.FormatInt(r.ID, 10), safe(r.Name), safe(r.Email),
			safe(r.Organization), safe(r.Municipality), safe(r.Role), r.Status,
			r.CreatedAt.In(loc).Format(time.RFC3339), confirmed, boolean(r.Attended))
		for _, a := range answers(e, r.Answers) {
			switch v := a.(type) {
			case bool:
				record = append(record, boolean(v))
			case string:
				record = append(record, safe(v))
			}
		}
		joined := ""
		if r.FirstJoinedAt != nil {
			joined = r.FirstJoinedAt.In(loc).Format(time.RFC3339)
		}
		record = append(record, joined, strconv.Itoa(r.Joins))
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
