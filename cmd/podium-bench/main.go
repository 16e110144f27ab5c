// Command podium-bench measures Podium on this machine against the machine's own ceilings: it
// starts `podium serve` on the database in DATABASE_URL with an in-process SMTP sink, runs each
// scenario for a fixed time or size, and prints one table and writes the same as JSON. `make
// bench` runs it on a cluster of its own.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one row of the table: a measurement beside the ceiling it is read against.
type result struct {
	Scenario string  `json:"scenario"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Ceiling  float64 `json:"ceiling,omitempty"`
	Against  string  `json:"against,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"`
	Note     string  `json:"note,omitempty"`
	Target   string  `json:"target,omitempty"`
	Met      *bool   `json:"met,omitempty"`
}

type bench struct {
	dbURL        string
	binary       string
	duration     time.Duration
	liveDuration time.Duration
	only         string
	httpCeiling  float64 // requests/s of /healthz, measured by the registrations scenario
	clients      int
	// mailConcurrency is the senders of the mail worker and the goroutines of its ceiling.
	mailConcurrency int
	refuseFor       time.Duration
	log             *slog.Logger
	results         []result

	// pollPeople answer the poll scenario's poll within pollWindow.
	pollPeople int
	pollWindow time.Duration
}

func main() {
	b := &bench{log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	flag.StringVar(&b.binary, "podium", ".data/bin/podium", "the podium binary to start")
	flag.DurationVar(&b.duration, "duration", 10*time.Second, "how long each throughput scenario runs")
	flag.IntVar(&b.clients, "clients", 32, "concurrent clients of the throughput scenarios")
	flag.StringVar(&b.only, "only", "", "run only these scenarios (comma-separated: registrations, race, fanout, votes, live, polls, export, reminders (with the mail faults), shutdown)")
	flag.IntVar(&b.pollPeople, "poll-participants", 5000, "participants of the poll scenario, each with an open page")
	flag.DurationVar(&b.pollWindow, "poll-window", time.Minute, "the time within which they answer")
	live := flag.String("live", "1000:10,5000:20", "open pages and votes per second of the live audience scenarios")
	flag.DurationVar(&b.liveDuration, "live-duration", 20*time.Second, "how long voters vote in the live audience scenarios")
	out := flag.String("json", ".data/bench.json", "where the results go as JSON")
	fanout := flag.String("fanout", "1000,5000,10000", "audience sizes of the live fan-out")
	attendees := flag.String("attendees", "10000,100000,1000000", "sizes of the attendee lists in the export scenario")
	reminders := flag.String("reminders", "10000,100000", "sizes of the reminder dispatch scenario (due reminders, comma-separated)")
	flag.IntVar(&b.mailConcurrency, "mail-concurrency", 4, "senders of the mail worker, and goroutines of its ceiling")
	flag.DurationVar(&b.refuseFor, "refuse-for", time.Minute, "how long the mail server refuses in the refusal scenario")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the benchmark process (which runs the mail worker) to this file")
	flag.Parse()
	b.dbURL = os.Getenv("DATABASE_URL")
	if b.dbURL == "" {
		fmt.Fprintln(os.Stderr, "podium-bench: DATABASE_URL is not set; run `make bench`")
		os.Exit(2)
	}
	sizes, err := parseSizes(*reminders)
	if err != nil {
		fmt.Fprintln(os.Stderr, "podium-bench: -reminders:", err)
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "podium-bench: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	if err := b.run(ctx, *fanout, *live, *attendees, sizes); err != nil {
		fmt.Fprintln(os.Stderr, "podium-bench:", err)
		os.Exit(1)
	}
	b.print(os.Stdout)
	raw, _ := json.MarshalIndent(map[string]any{"machine": machine(), "results": b.results}, "", "  ")
	if err := os.WriteFile(*out, raw, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "podium-bench:", err)
		os.Exit(1)
	}
	fmt.Printf("\nJSON: %s\n", *out)
}

func (b *bench) run(ctx context.Context, fanout, live, attendees string, reminders []int) error {
	srv, err := b.start(ctx)
	if err != nil {
		return err
	}
	defer srv.stop()
	steps := []struct {
		name string
		run  func(context.Context, *server) error
	}{
		{"registrations", b.registrations},
		{"race", b.race},
		{"fanout", func(ctx context.Context, s *server) error { return b.fanout(ctx, s, fanout) }},
		{"votes", b.votes},
		{"live", func(ctx context.Context, s *server) error { return b.liveAudiences(ctx, s, live) }},
		{"polls", func(ctx context.Context, s *server) error { return b.polls(ctx, s, b.pollPeople, b.pollWindow) }},
		{"export", func(ctx context.Context, s *server) error { return b.exports(ctx, s, attendees) }},
		{"reminders", func(ctx context.Context, s *server) error { return b.reminders(ctx, reminders) }},
		{"shutdown", func(ctx context.Context, s *server) error { return b.shutdown(ctx, s, 5000) }},
	}
	for _, step := range steps {
		if b.only != "" && !slices.Contains(strings.Split(b.only, ","), step.name) {
			continue
		}
		if err := step.run(ctx, srv); err != nil {
			return err
		}
	}
	return nil
}

// parseSizes reads a comma-separated list of positive whole numbers.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func (b *bench) add(r result) {
	if r.Ceiling > 0 {
		r.Ratio = r.Value / r.Ceiling
	}
	b.results = append(b.results, r)
	b.log.Info("measured", "scenario", r.Scenario, "value", fmt.Sprintf("%.1f %s", r.Value, r.Unit))
}

func (b *bench) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tMEASURED\tCEILING\tRATIO\tTARGET\tNOTE")
	for _, r := range b.results {
		ceiling, ratio := "", ""
		if r.Ceiling > 0 {
			ceiling = fmt.Sprintf("%s %s (%s)", num(r.Ceiling), r.Unit, r.Against)
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		target := r.Target
		if r.Met != nil {
			target += map[bool]string{true: " ✓", false: " ✗"}[*r.Met]
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", r.Scenario, num(r.Value), r.Unit, ceiling, ratio, target, r.Note)
	}
	tw.Flush()
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func met(ok bool) *bool { return &ok }

// machine describes where the numbers come from.
func machine() map[string]any {
	out, _ := exec.Command("nproc").Output()
	model := ""
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return map[string]any{"cpus": strings.TrimSpace(string(out)), "cpu": model, "at": time.Now().UTC().Format(time.RFC3339)}
}
