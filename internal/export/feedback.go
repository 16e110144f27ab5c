package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/podium-events/podium/internal/feedback"
)

// WriteFeedbackCSV writes the survey's answers as a table of question, answer and count: each
// rating counted, each free text once, in the summary's order, which ties none of them to a
// person.
func WriteFeedbackCSV(w io.Writer, sum *feedback.Summary) error {
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(buf)
	rows := [][]string{{"Frage", "Antwort", "Anzahl"}}
	for i, n := range sum.Ratings {
		rows = append(rows, []string{"Gesamtbewertung (1–5)", strconv.Itoa(i + 1), strconv.Itoa(n)})
	}
	for _, text := range sum.Takeaways {
		rows = append(rows, []string{"Was nehmen Sie mit?", safe(text), "1"})
	}
	for _, q := range sum.Questions {
		if q.Ratings != nil {
			for i, n := range q.Ratings {
				rows = append(rows, []string{safe(q.Label) + " (1–5)", strconv.Itoa(i + 1), strconv.Itoa(n)})
			}
		}
		for _, text := range q.Texts {
			rows = append(rows, []string{safe(q.Label), safe(text), "1"})
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return buf.Flush()
}
