package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
)

// TestMain lets a test start this test binary as a real `podium` process (with its own signal
// handling and file limit): with PODIUM_TEST_AS_PODIUM set it runs main with those arguments.
func TestMain(m *testing.M) {
	if args := os.Getenv("PODIUM_TEST_AS_PODIUM"); args != "" {
		os.Args = append([]string{"podium"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// podiumProcess starts `podium serve --demo --no-worker` as a process of its own, optionally
// under a file limit, trusting loopback as a proxy so one test can be many client addresses.
func podiumProcess(t *testing.T, fileLimit int) (base string, cmd *exec.Cmd) {
	t.Helper()
	url := dbtest.NewEmpty(t)
	addr := freeAddr(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if fileLimit > 0 {
		cmd = exec.Command("prlimit", fmt.Sprintf("--nofile=%d:%d", fileLimit, fileLimit), self)
	} else {
		cmd = exec.Command(self)
	}
	cmd.Env = append(os.Environ(), "PODIUM_TEST_AS_PODIUM=serve --demo --no-worker", "DATABASE_URL="+url,
		"PODIUM_SECRET="+strings.Repeat("s", 32), "PODIUM_ADDR="+addr, "PODIUM_TRUSTED_PROXIES=127.0.0.1",
		"PODIUM_DB_MAX_CONNS=8", "PODIUM_LOG_LEVEL=error",
		// The race detector otherwise waits a second before a process exits.
		"GORACE=atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	base = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("podium serve did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// openStream opens the follow-up's question stream as a client at addr; it returns the
// response, or nil and the status when the server refused.
func openStream(client *http.Client, base, addr string) (*http.Response, int, error) {
	req, _ := http.NewRequest("GET", base+"/api/v1/events/"+demo.FollowUpSlug+"/questions/stream", nil)
	req.Header.Set("X-Forwarded-For", addr)
	res, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, res.StatusCode, nil
	}
	// The first lines arrive at once: the stream is open on the server.
	if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
		res.Body.Close()
		return nil, 0, err
	}
	return res, http.StatusOK, nil
}

func streamClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1, DisableKeepAlives: true}}
}

// SIGTERM ends every open stream at once (their browsers reconnect to another process) and the
// process exits 0 within 2 seconds, with 1,000 streams open. (`make bench` does it with 5,000;
// the race detector of `make test` allows only so many goroutines.)
func TestSIGTERMEndsStreamsAndExits(t *testing.T) {
	base, cmd := podiumProcess(t, 0)
	client := streamClient()
	const streams = 1000
	bodies := make([]io.ReadCloser, streams)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			res, status, err := openStream(client, base, fmt.Sprintf("10.2.%d.%d", i/200, i%200+1))
			if err != nil || status != http.StatusOK {
				t.Errorf("stream %d: %d %v", i, status, err)
				return
			}
			bodies[i] = res.Body
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("podium exited with %v after SIGTERM", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("podium still runs 2 s after SIGTERM with %d streams open", streams)
	}
	t.Logf("exited %s after SIGTERM with %d streams open", time.Since(start), streams)
	for i, b := range bodies {
		if _, err := io.ReadAll(b); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("stream %d ended with %v", i, err)
		}
		b.Close()
	}
}

// Under a low file limit, streams from many addresses take at most their share of the file
// descriptors: the next stream gets 503 with Retry-After, and ordinary requests are still
// answered at once.
func TestStreamsCannotStarveRequests(t *testing.T) {
	t.Parallel()
	const fileLimit = 256
	base, _ := podiumProcess(t, fileLimit)
	client := streamClient()
	var open []io.ReadCloser
	t.Cleanup(func() {
		for _, b := range open {
			b.Close()
		}
	})
	for i := 0; ; i++ {
		res, status, err := openStream(client, base, fmt.Sprintf("10.3.%d.%d", i/200, i%200+1))
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		if status == http.StatusServiceUnavailable {
			break
		}
		if status != http.StatusOK {
			t.Fatalf("stream %d: %d", i, status)
		}
		open = append(open, res.Body)
		if i > fileLimit {
			t.Fatalf("%d streams open under a limit of %d files", len(open), fileLimit)
		}
	}
	if len(open) < fileLimit/3 {
		t.Errorf("only %d streams under a limit of %d files", len(open), fileLimit)
	}

	ordinary := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			path := []string{"/healthz", "/api/v1/events", "/events/" + demo.FollowUpSlug, "/events/" + demo.FollowUpSlug + "/questions"}[i%4]
			res, err := ordinary.Get(base + path)
			if err != nil {
				t.Errorf("GET %s with %d streams open: %v", path, len(open), err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s with %d streams open: %d", path, len(open), res.StatusCode)
			}
		})
	}
	wg.Wait()
	t.Logf("%d streams under a limit of %d files; ordinary requests answered", len(open), fileLimit)
}
