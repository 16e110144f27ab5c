package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podium-events/podium/internal/event"
)

// newEvent stores a published event starting in three weeks.
func newEvent(ctx context.Context, s *server, title string, capacity *int, moderation bool) (*event.Event, error) {
	in := event.NewInput()
	in.Title = title + " " + randomHex(3)
	in.StartsAt = time.Now().Add(21 * 24 * time.Hour).Truncate(time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "Bench", "bench@example.org"
	in.Status, in.DoubleOptIn, in.Capacity, in.Moderation = event.StatusPublished, false, capacity, moderation
	return event.Create(ctx, s.pool, in, nil)
}

// post sends JSON and wants want.
func post(client *http.Client, url, body string, want int) error {
	res, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		return fmt.Errorf("%s: %d", url, res.StatusCode)
	}
	return nil
}

// registrations: registrations per second at 32 clients against the server's HTTP ceiling
// (/healthz) and the database ceiling (pgbench running the same transaction).
func (b *bench) registrations(ctx context.Context, s *server) error {
	e, err := newEvent(ctx, s, "Bench Anmeldungen", nil, true)
	if err != nil {
		return err
	}
	client := newClient(2 * b.clients)
	health := load(b.clients, b.duration, func(int64) error {
		res, err := client.Get(s.url + "/healthz")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil
	})
	url := s.url + "/api/v1/events/" + e.Slug + "/registrations"
	reg := load(b.clients, b.duration, func(n int64) error {
		body := fmt.Sprintf(`{"name":"Bench %d","email":"bench-%d@example.org","consent":true}`, n, n)
		return post(client, url, body, http.StatusCreated)
	})
	pgbench, err := b.pgbench(ctx, e.ID)
	if err != nil {
		return err
	}
	b.httpCeiling = health.perSecond()
	b.add(result{Scenario: "1 registrations (HTTP ceiling)", Value: reg.perSecond(), Unit: "/s", Ceiling: health.perSecond(), Against: "/healthz",
		Note: fmt.Sprintf("p50 %s, p99 %s, %d failed", ms(reg.percentile(.5)), ms(reg.percentile(.99)), reg.failed)})
	b.add(result{Scenario: "1 registrations (database ceiling)", Value: reg.perSecond(), Unit: "/s", Ceiling: pgbench, Against: "pgbench, same transaction",
		Target: "≥ 0.5", Met: met(reg.perSecond()/pgbench >= 0.5)})
	return nil
}

// pgbench runs the SQL of one registration (seat, row, outbox row, reminders) at the same
// concurrency for the same time, and returns its transactions per second.
func (b *bench) pgbench(ctx context.Context, eventID int64) (float64, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(bins) == 0 {
		return 0, fmt.Errorf("pgbench not found (Debian package postgresql)")
	}
	script := `BEGIN;
UPDATE events SET confirmed_count = confirmed_count + 1 WHERE id = :eid AND (capacity IS NULL OR confirmed_count < capacity);
INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, token_salt, confirmed_at, answers, language)
  VALUES (:eid, 'confirmed', 'Bench', 'pgbench-' || :client_id || '-' || random() || '@example.org', now(),
    sha256(convert_to(gen_random_uuid()::text, 'UTF8')), '\x00', now(), '{}', 'de');
INSERT INTO outbox (dedupe_key, kind, registration_id) VALUES ('pgbench:' || currval('registrations_id_seq'), 'registered', currval('registrations_id_seq'));
INSERT INTO outbox (dedupe_key, kind, registration_id, due_at)
  SELECT 'reminder:' || r.id || ':' || o.seconds || ':' || extract(epoch FROM e.starts_at)::bigint, 'reminder', r.id, e.starts_at - make_interval(secs => o.seconds)
  FROM registrations r JOIN events e ON e.id = r.event_id CROSS JOIN LATERAL unnest(e.reminder_offsets) AS o(seconds)
  WHERE r.id = currval('registrations_id_seq') AND e.starts_at - make_interval(secs => o.seconds) > now()
  ON CONFLICT (dedupe_key) DO NOTHING;
COMMIT;
`
	file := filepath.Join(os.TempDir(), "podium-bench-"+randomHex(4)+".sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return 0, err
	}
	defer os.Remove(file)
	cmd := exec.CommandContext(ctx, bins[len(bins)-1], "-n", "-c", strconv.Itoa(b.clients), "-j", "2", "-T",
		strconv.Itoa(int(b.duration.Seconds())), "-D", "eid="+strconv.FormatInt(eventID, 10), "-f", file, b.dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// race: 1,000 people at once for 100 seats; exactly 100 get one.
func (b *bench) race(ctx context.Context, s *server) error {
	seats := 100
	e, err := newEvent(ctx, s, "Bench Wettlauf", &seats, true)
	if err != nil {
		return err
	}
	client := newClient(1000)
	url := s.url + "/api/v1/events/" + e.Slug + "/registrations"
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			<-start
			post(client, url, fmt.Sprintf(`{"name":"Race %d","email":"race-%d@example.org","consent":true}`, i, i), http.StatusCreated)
		})
	}
	t := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t)
	var confirmed, waiting int
	s.pool.Get(&confirmed, `SELECT count(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'`, e.ID)
	s.pool.Get(&waiting, `SELECT count(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'`, e.ID)
	b.add(result{Scenario: "2 race: 1,000 clients, 100 seats", Value: float64(confirmed), Unit: "confirmed",
		Note: fmt.Sprintf("%d waitlisted, all in %s", waiting, took.Round(time.Millisecond)), Target: "exactly 100", Met: met(confirmed == 100 && waiting == 900)})
	return nil
}

// votes: votes per second on one question from many participants, against the same ceilings.
func (b *bench) votes(ctx context.Context, s *server) error {
	e, err := newEvent(ctx, s, "Bench Stimmen", nil, false)
	if err != nil {
		return err
	}
	base := s.url + "/api/v1/events/" + e.Slug + "/questions"
	asker := newClient(2)
	asker.Jar, _ = cookiejar.New(nil)
	res, err := asker.Post(base, "application/json", strings.NewReader(`{"text":"Wie messen wir den Erfolg?"}`))
	if err != nil {
		return err
	}
	res.Body.Close()
	var id int64
	if err := s.pool.Get(&id, `SELECT id FROM questions WHERE event_id = $1`, e.ID); err != nil {
		return err
	}
	// Every vote is a new participant: each client fetches a cookie, then votes with it.
	transport := newClient(2 * b.clients).Transport
	voteURL := fmt.Sprintf("%s/%d/vote", base, id)
	r := load(b.clients, b.duration, func(int64) error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: transport, Jar: jar, Timeout: 30 * time.Second}
		res, err := c.Get(base)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return post(c, voteURL, "", http.StatusOK)
	})
	var votes int
	s.pool.Get(&votes, `SELECT votes FROM questions WHERE id = $1`, id)
	b.add(result{Scenario: "4 votes on one question", Value: r.perSecond(), Unit: "/s", Ceiling: b.httpCeiling, Against: "/healthz",
		Note: fmt.Sprintf("each with a first visit for the cookie; p99 %s; counter %d = votes %d", ms(r.percentile(.99)), votes, r.ops)})
	return nil
}
