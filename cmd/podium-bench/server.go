package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// server is a running `podium serve` with its SMTP sink and a pool for setting up scenarios.
type server struct {
	url     string
	metrics string // the private address with /metrics and /debug/pprof/
	cmd     *exec.Cmd
	pool    *sqlx.DB
	sink    *mailtest.Server
	stopFn  func()
	secret  string
	exited  chan struct{} // closed when the process has ended; then exit is its status
	exit    error
}

func (b *bench) start(ctx context.Context) (*server, error) {
	sink, stopSink, err := mailtest.Listen(true)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	m, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	metricsAddr := m.Addr().String()
	m.Close()
	secret := randomHex(32)
	cmd := exec.Command(b.binary, "serve", "--no-worker")
	cmd.Env = append(os.Environ(), "PODIUM_ADDR="+addr, "PODIUM_BASE_URL=http://"+addr, "PODIUM_SECRET="+secret,
		"PODIUM_RATE_LIMITS=off", "PODIUM_SMTP_URL="+sink.URL(), "PODIUM_LOG_LEVEL=warn", "PODIUM_METRICS_ADDR="+metricsAddr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		stopSink()
		return nil, fmt.Errorf("start %s: %w", b.binary, err)
	}
	s := &server{url: "http://" + addr, metrics: "http://" + metricsAddr, cmd: cmd, sink: sink, secret: secret, exited: make(chan struct{})}
	go func() {
		s.exit = cmd.Wait()
		close(s.exited)
	}()
	s.stopFn = func() {
		cmd.Process.Signal(os.Interrupt)
		<-s.exited
		stopSink()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("podium serve is not ready after 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.pool, err = db.Open(ctx, b.dbURL, 16); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() {
	if s.pool != nil {
		s.pool.Close()
	}
	s.stopFn()
}

// liveMemory is what the server's heap and goroutine stacks hold right after a garbage
// collection (which the heap profile runs first): memory the process needs, not garbage it
// has not collected yet or pages it has not returned. It asks twice, because objects kept in
// sync.Pools survive one collection.
func (s *server) liveMemory() (int64, error) {
	var raw []byte
	for range 2 {
		res, err := http.Get(s.metrics + "/debug/pprof/heap?debug=1&gc=1")
		if err != nil {
			return 0, err
		}
		raw, err = io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return 0, err
		}
	}
	var total int64
	for _, field := range []string{"# HeapAlloc = ", "# Stack = "} { // "# Stack = inuse / sys"
		i := bytes.Index(raw, []byte(field))
		if i < 0 {
			return 0, fmt.Errorf("the heap profile has no %q", field)
		}
		line, _, _ := bytes.Cut(raw[i+len(field):], []byte("\n"))
		line, _, _ = bytes.Cut(line, []byte(" "))
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// statusKB reads one kB field of /proc/PID/status, such as VmRSS: or VmHWM:.
func statusKB(pid int, field string) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}

// loadResult is what a fixed-time load run measured.
type loadResult struct {
	ops, failed int
	elapsed     time.Duration
	latencies   []time.Duration
}

func (r loadResult) perSecond() float64 { return float64(r.ops) / r.elapsed.Seconds() }

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return r.latencies[min(int(float64(len(r.latencies))*p), len(r.latencies)-1)]
}

// load runs op from clients goroutines for d; op gets a number unique over the whole run.
func load(clients int, d time.Duration, op func(n int64) error) loadResult {
	var next, failed atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				t := time.Now()
				if err := op(next.Add(1)); err != nil {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return loadResult{ops: len(all), failed: int(failed.Load()), elapsed: time.Since(start), latencies: all}
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
