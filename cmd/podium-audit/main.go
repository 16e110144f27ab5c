// Command podium-audit runs Lighthouse on the demo's main pages, as a visitor on a slow mobile
// line would load them, and prints the four category scores and the first contentful paint per
// page. `make audit` runs it against a fresh database with Debian's Chromium.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// The targets of the audit: every category at least this, and the first paint sooner.
const (
	minScore = 95
	maxFCP   = 1500 * time.Millisecond
)

const (
	adminEmail    = "audit@podium.localhost"
	adminPassword = "podium-audit-password"
)

func main() {
	binary := flag.String("podium", ".data/bin/podium", "the podium binary to audit")
	lighthouse := flag.String("lighthouse", ".data/npm/node_modules/.bin/lighthouse", "the Lighthouse command")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the browser Lighthouse drives")
	reports := flag.String("reports", ".data/audit", "where the JSON reports go")
	runs := flag.Int("runs", 3, "Lighthouse runs per page, of which the median counts")
	flag.Parse()
	log.SetFlags(0)
	problems, err := run(context.Background(), *binary, *lighthouse, *chromium, *reports, *runs)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// run prints the table and returns what misses a target.
func run(ctx context.Context, binary, lighthouse, chromium, reports string, runs int) ([]string, error) {
	srv, err := start(ctx, binary)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	pages, cookie, err := srv.pages(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(reports, 0o755); err != nil {
		return nil, err
	}
	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "page\tperformance\taccessibility\tbest practices\tSEO\tfirst contentful paint\t")
	var problems []string
	for _, p := range pages {
		r, err := medianRun(ctx, runs, func(n int) (*report, error) {
			file := filepath.Join(reports, fmt.Sprintf("%s-%d.json", p.name, n))
			r, err := audit(ctx, lighthouse, chromium, srv.url+p.path, p, cookie, file)
			if err != nil {
				// Lighthouse now and then fails to record a trace on a busy machine; a second run does.
				log.Printf("%s: %v; once more", p.name, err)
				r, err = audit(ctx, lighthouse, chromium, srv.url+p.path, p, cookie, file)
			}
			return r, err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		seo := strconv.Itoa(r.score("seo"))
		if p.noindex {
			seo += "*"
		}
		fmt.Fprintf(out, "%s\t%d\t%d\t%d\t%s\t%.1f s\t\n", p.name, r.score("performance"), r.score("accessibility"),
			r.score("best-practices"), seo, r.fcp().Seconds())
		for _, problem := range r.problems() {
			problems = append(problems, p.name+": "+problem)
		}
	}
	if err := out.Flush(); err != nil {
		return nil, err
	}
	fmt.Println("* without the check that search engines may index the page: it tells them not to, on purpose")
	return problems, nil
}

type page struct {
	name, path string
	private    bool // seen only with the organizer's session
	noindex    bool // personal or internal, so it asks search engines not to index it
}

// pages lists what is audited and logs the organizer in. The attendee's page needs a
// registration, made here the way the registration form makes it.
func (s *server) pages(ctx context.Context) ([]page, string, error) {
	pool, err := db.Open(ctx, os.Getenv("DATABASE_URL"), 2)
	if err != nil {
		return nil, "", err
	}
	defer pool.Close()
	var slug string
	err = pool.GetContext(ctx, &slug, `SELECT slug FROM events WHERE status = 'published' AND ends_at > now() ORDER BY starts_at LIMIT 1`)
	if err != nil {
		return nil, "", fmt.Errorf("the demo's coming event: %w", err)
	}
	e, err := event.BySlug(ctx, pool, slug)
	if err != nil {
		return nil, "", err
	}
	_, token, err := registration.Register(ctx, pool, auth.ManageKey(s.secret), e, registration.Input{
		Name: "Erika Mustermann", Email: "erika.mustermann@kreis-wesel.example", Organization: "Kreis Wesel",
		Consent: true, Language: "de"}, time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("register: %w", err)
	}
	cookie, err := s.login()
	if err != nil {
		return nil, "", err
	}
	return []page{
		{"start", "/", false, false},
		{"event", "/events/" + slug, false, false},
		{"questions", "/events/" + slug + "/questions", false, false},
		{"present", "/events/" + slug + "/present", false, false},
		{"manage", "/r/" + token, false, true},
		{"admin", "/admin", true, true},
		{"dashboard", "/admin/events/" + slug, true, true},
		{"moderate", "/events/" + slug + "/moderate", true, true},
	}, cookie, nil
}

func (s *server) login() (string, error) {
	add := exec.Command(s.binary, "users", "add", "--email", adminEmail, "--name", "Audit", "--role", "admin", "--password-stdin", "--exist-ok")
	add.Stdin = strings.NewReader(adminPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		return "", fmt.Errorf("users add: %v: %s", err, out)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(s.url+"/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("login: %s and no session cookie", res.Status)
}

// medianRun audits a page runs times and keeps the run with the median performance score, as
// Lighthouse's authors advise: one run's timings move with whatever else the machine does.
func medianRun(ctx context.Context, runs int, run func(n int) (*report, error)) (*report, error) {
	var all []*report
	for n := 1; n <= runs; n++ {
		r, err := run(n)
		if err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	slices.SortStableFunc(all, func(a, b *report) int { return a.score("performance") - b.score("performance") })
	return all[len(all)/2], nil
}

// report is the part of Lighthouse's JSON report read here.
type report struct {
	Categories map[string]struct {
		Score float64 `json:"score"`
	} `json:"categories"`
	Audits map[string]struct {
		Title        string   `json:"title"`
		Score        *float64 `json:"score"`
		NumericValue float64  `json:"numericValue"`
		DisplayValue string   `json:"displayValue"`
		Mode         string   `json:"scoreDisplayMode"`
	} `json:"audits"`
	RuntimeError *struct {
		Message string `json:"message"`
	} `json:"runtimeError"`
}

func (r *report) score(category string) int { return int(r.Categories[category].Score*100 + 0.5) }

func (r *report) fcp() time.Duration {
	return time.Duration(r.Audits["first-contentful-paint"].NumericValue * float64(time.Millisecond))
}

// problems names what misses a target, and the audits behind a missed score.
func (r *report) problems() []string {
	var out []string
	for _, c := range []string{"performance", "accessibility", "best-practices", "seo"} {
		if r.score(c) < minScore {
			out = append(out, fmt.Sprintf("%s %d < %d", c, r.score(c), minScore))
		}
	}
	if r.fcp() >= maxFCP {
		out = append(out, fmt.Sprintf("first contentful paint %.1f s ≥ %.1f s", r.fcp().Seconds(), maxFCP.Seconds()))
	}
	if len(out) == 0 {
		return nil
	}
	for id, a := range r.Audits {
		if a.Score != nil && *a.Score < 0.9 && (a.Mode == "binary" || a.Mode == "numeric" || a.Mode == "metricSavings") {
			out = append(out, fmt.Sprintf("  %s (%s) %s", id, a.Title, a.DisplayValue))
		}
	}
	return out
}

// audit runs Lighthouse's default mobile profile (simulated slow 4G, 4× slower CPU) once.
func audit(ctx context.Context, lighthouse, chromium, target string, p page, cookie, file string) (*report, error) {
	args := []string{target, "--quiet", "--output=json", "--output-path=" + file,
		"--chrome-flags=--headless=new --no-sandbox --disable-gpu"}
	if p.noindex {
		args = append(args, "--skip-audits=is-crawlable")
	}
	if p.private {
		headers, _ := json.Marshal(map[string]string{"Cookie": cookie})
		args = append(args, "--extra-headers="+string(headers))
	}
	cmd := exec.CommandContext(ctx, lighthouse, args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("lighthouse: %w", err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.RuntimeError != nil && r.RuntimeError.Message != "" {
		return nil, fmt.Errorf("lighthouse: %s", r.RuntimeError.Message)
	}
	return &r, nil
}

// server is `podium serve --demo` on a free port of this machine.
type server struct {
	binary, url, secret string
	cmd                 *exec.Cmd
}

func start(ctx context.Context, binary string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{binary: binary, url: "http://" + addr, secret: rand.Text() + rand.Text()}
	s.cmd = exec.CommandContext(ctx, binary, "serve", "--demo", "--no-worker")
	s.cmd.Env = append(os.Environ(), "PODIUM_ADDR="+addr, "PODIUM_BASE_URL="+s.url, "PODIUM_SECRET="+s.secret,
		"PODIUM_LOG_LEVEL=warn")
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("podium serve is not ready after 30 s")
		}
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}
