package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
)

// exportServer is a real HTTP server whose database sessions allow each statement only
// timeout, with attendees confirmed attendees of the demo follow-up, and an organizer's token.
func exportServer(t *testing.T, attendees int, timeout time.Duration) (srv *httptest.Server, pool *sqlx.DB, token string) {
	t.Helper()
	setup, url := dbtest.NewWithURL(t)
	pool, err := db.Open(context.Background(), url+"&statement_timeout="+strconv.Itoa(int(timeout.Milliseconds())), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	h := newHarnessOn(t, pool)
	loadDemo(t, h)
	_, token = h.user("admin@example.org", "admin")
	// Long organization names make a file of megabytes, more than the connections' buffers hold,
	// so a slow reader holds the export up.
	setup.MustExec(`INSERT INTO registrations (event_id, status, name, email, organization, consent_at, token_hash, confirmed_at)
		SELECT e.id, 'confirmed', 'Person ' || n, 'person' || n || '@kommune.example', repeat('Stadtverwaltung ', 150),
			now(), sha256(n::text::bytea), now()
		FROM events e, generate_series(1, $2) AS n WHERE e.slug = $1`, demo.FollowUpSlug, attendees)
	srv = httptest.NewServer(h.handler)
	t.Cleanup(srv.Close)
	return srv, pool, token
}

// slowRead reads body in small pieces with pauses, as a download over a slow line does, and
// calls each after every piece.
func slowRead(body io.Reader, pause time.Duration, each func(read []byte)) ([]byte, error) {
	var all []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := body.Read(buf)
		all = append(all, buf[:n]...)
		if each != nil {
			each(all)
		}
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		time.Sleep(pause)
	}
}

// A slow download gets the whole list: the export never holds a statement open while the
// client reads, so the statement timeout (here 2 s, for a download of 12 MB that takes more
// than 6 s) never cuts the file. The file goes uncompressed, as to a client that does not take
// gzip; compressed, it would fit into the connection's buffers at once.
func TestSlowDownloadGetsEveryAttendee(t *testing.T) {
	t.Parallel()
	const attendees = 5000
	const timeout = 2 * time.Second
	srv, _, token := exportServer(t, attendees, timeout)
	for _, format := range []string{"csv"} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events/"+demo.FollowUpSlug+"/attendees."+format, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Encoding", "identity")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		all, err := slowRead(res.Body, 50*time.Millisecond, nil)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: the download broke after %d bytes: %v", format, len(all), err)
		}
		if lines := strings.Count(string(all), "\n"); lines != attendees+1 {
			t.Errorf("%s: %d lines in %s, want the header and %d attendees", format, lines, time.Since(start), attendees)
		}
		if took := time.Since(start); took < 3*timeout {
			t.Fatalf("the download took only %s: too fast to show anything", took)
		}
	}
}

// An export that fails midway says so: the file's last line marks it incomplete, the download
// ends as a failed transfer rather than a clean one, and the audit log does not record an
// export.
func TestFailedExportIsNotAFile(t *testing.T) {
	t.Parallel()
	srv, pool, token := exportServer(t, 5000, 300*time.Millisecond)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events/"+demo.FollowUpSlug+"/attendees.csv?lang=de", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "identity")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	// Once the first rows arrived, the table is locked for longer than a statement may wait,
	// so the next batch fails.
	var lock *sqlx.Tx
	all, err := slowRead(res.Body, 20*time.Millisecond, func(read []byte) {
		if lock == nil && len(read) > 0 {
			lock = pool.MustBegin()
			lock.MustExec(`LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE`)
		}
	})
	if lock != nil {
		lock.Rollback()
	}
	if err == nil {
		t.Errorf("the failed export ended like a complete download (%d bytes)", len(all))
	}
	if !strings.Contains(string(all), "ABGEBROCHEN") {
		t.Errorf("the partial file does not say it is incomplete: ...%q", tail(string(all), 200))
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'attendees.exported'`)
	if n != 0 {
		t.Errorf("the audit log records %d exports of a failed download", n)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
