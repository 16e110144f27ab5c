package export

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
)

// pollColumns are the columns of a poll export, by stable key, with their German labels.
var pollColumns = []struct{ key, de string }{
	{"poll_id", "Umfrage-Nr."}, {"poll", "Umfrage"}, {"kind", "Art"}, {"state", "Status"},
	{"participants", "Teilnahmen"}, {"answer", "Antwort"}, {"count", "Anzahl"}, {"percent", "Anteil (%)"},
}

// pollLine is one row of a poll export: a poll and one of its answers with its count.
type pollLine struct {
	poll         *poll.Poll
	participants int
	answer       poll.Count
}

// pollLines reads every poll of the event with its results: each option with its count and
// percentage (of participants), and for free text every distinct answer. Nothing in it names
// a person: answers are stored without one.
func pollLines(ctx context.Context, q sqlx.QueryerContext, e *event.Event) ([]pollLine, error) {
	polls, err := poll.List(ctx, q, e.ID, true)
	if err != nil {
		return nil, err
	}
	results, err := poll.ResultsOf(ctx, q, polls)
	if err != nil {
		return nil, err
	}
	var out []pollLine
	for i := range polls {
		p := &polls[i]
		r := results[p.ID]
		counts := r.Options
		if p.Kind == poll.KindText {
			if counts, err = poll.AllWords(ctx, q, *p); err != nil {
				return nil, err
			}
		}
		if len(counts) == 0 {
			counts = []poll.Count{{}} // the poll still has its row
		}
		for _, c := range counts {
			out = append(out, pollLine{poll: p, participants: r.Participants, answer: c})
		}
	}
	return out, nil
}

func pollHeader(lang string) []string {
	out := make([]string, len(pollColumns))
	for i, c := range pollColumns {
		out[i] = c.key
		if lang == "de" {
			out[i] = c.de
		}
	}
	return out
}

// WritePollsCSV writes the event's polls and their results as CSV, like the attendee list:
// a byte order mark, a header row, every text defused.
func WritePollsCSV(ctx context.Context, q sqlx.QueryerContext, w io.Writer, e *event.Event, opt Options) error {
	lines, err := pollLines(ctx, q, e)
	if err != nil {
		return err
	}
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(buf)
	if opt.Delimiter != 0 {
		cw.Comma = opt.Delimiter
	}
	if err := cw.Write(pollHeader(opt.Lang)); err != nil {
		return err
	}
	for _, l := range lines {
		percent := strconv.FormatFloat(l.answer.Percent, 'f', 1, 64)
		if opt.Delimiter == ';' {
			percent = strings.Replace(percent, ".", ",", 1) // German Excel reads 12,5
		}
		err := cw.Write([]string{strconv.FormatInt(l.poll.ID, 10), safe(l.poll.Question), opt.word(l.poll.Kind), opt.word(l.poll.State),
			strconv.Itoa(l.participants), safe(l.answer.Label), strconv.Itoa(l.answer.Count), percent})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return buf.Flush()
}

// WritePollsXLSX writes the same as a workbook with a bold, frozen header and numbers as numbers.
func WritePollsXLSX(ctx context.Context, q sqlx.QueryerContext, w io.Writer, e *event.Event, opt Options) error {
	lines, err := pollLines(ctx, q, e)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	zw := zip.NewWriter(w)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	const sheet = "Umfragen"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for i, width := range []float64{12, 50, 12, 12, 12, 40, 10, 12} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var head []any
	for _, l := range pollHeader(opt.Lang) {
		head = append(head, excelize.Cell{StyleID: bold, Value: l})
	}
	if err := sw.SetRow("A1", head); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{l.poll.ID, safe(l.poll.Question), opt.word(l.poll.Kind), opt.word(l.poll.State), l.participants,
			safe(l.answer.Label), l.answer.Count, l.answer.Percent}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
