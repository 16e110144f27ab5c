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

// registrations: registrations per second at 1, 8, 32 and 128 clients, for an event without a
// capacity and for one whose capacity is not reached, each against the database's ceiling at
// the same concurrency: pgbench running the minimal transaction of a registration (INSERT the
// registration, INSERT its outbox row) on the same cluster in the same run. The HTTP ceiling
// (/healthz) is measured once, at 32 clients.
func (b *bench) registrations(ctx context.Context, s *server) error {
	client := newClient(256)
	health := load(32, b.duration, func(int64) error {
		res, err := client.Get(s.url + "/healthz")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil
	})
	b.httpCeiling = health.perSecond()
	b.add(result{Scenario: "1 HTTP ceiling (/healthz), 32 clients", Value: health.perSecond(), Unit: "/s"})
	seats := 1_000_000
	for _, clients := range []int{1, 8, 32, 128} {
		ceiling, err := b.pgbench(ctx, s, clients)
		if err != nil {
			return err
		}
		for _, capacity := range []*int{nil, &seats} {
			e, err := newEvent(ctx, s, "Bench Anmeldungen", capacity, false)
			if err != nil {
				return err
			}
			url := s.url + "/api/v1/events/" + e.Slug + "/registrations"
			reg := load(clients, b.duration, func(n int64) error {
				body := fmt.Sprintf(`{"name":"Bench %d","email":"bench-%d-%d@example.org","consent":true}`, n, e.ID, n)
				return post(client, url, body, http.StatusCreated)
			})
			kind := "no capacity"
			if capacity != nil {
				kind = "capacity not reached"
			}
			r := result{Scenario: fmt.Sprintf("1 registrations, %s, %d clients", kind, clients), Value: reg.perSecond(), Unit: "/s",
				Ceiling: ceiling, Against: "pgbench, minimal transaction",
				Note: fmt.Sprintf("p50 %s, p99 %s, %d failed", ms(reg.percentile(.5)), ms(reg.percentile(.99)), reg.failed)}
			if clients == 32 {
				r.Target = "≥ 0.5, p99 < 50 ms"
				r.Met = met(reg.perSecond()/ceiling >= 0.5 && reg.percentile(.99) < 50*time.Millisecond && reg.failed == 0)
			}
			b.add(r)
		}
	}
	return nil
}

// pgbench runs the minimal transaction of a registration (the registration row and its outbox
// row) with clients connections for the scenario's time, and returns its transactions per
// second: what the database can do for the job, the ceiling Podium is read against.
func (b *bench) pgbench(ctx context.Context, s *server, clients int) (float64, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(bins) == 0 {
		return 0, fmt.Errorf("pgbench not found (Debian package postgresql)")
	}
	e, err := newEvent(ctx, s, "Bench pgbench", nil, false)
	if err != nil {
		return 0, err
	}
	script := `BEGIN;
INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, token_salt, confirmed_at, answers, language)
  VALUES (:eid, 'confirmed', 'Bench', 'pgbench-' || :client_id || '-' || random() || '@example.org', now(),
    sha256(convert_to(gen_random_uuid()::text, 'UTF8')), '\x00', now(), '{}', 'de');
INSERT INTO outbox (dedupe_key, kind, registration_id) VALUES ('pgbench:' || currval('registrations_id_seq'), 'registered', currval('registrations_id_seq'));
COMMIT;
`
	file := filepath.Join(os.TempDir(), "podium-bench-"+randomHex(4)+".sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return 0, err
	}
	defer os.Remove(file)
	cmd := exec.CommandContext(ctx, bins[len(bins)-1], "-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T",
		strconv.Itoa(int(b.duration.Seconds())), "-D", "eid="+strconv.FormatInt(e.ID, 10), "-f", file, b.dbURL)
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
