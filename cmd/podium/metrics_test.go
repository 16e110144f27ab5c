package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
)

// get answers the status and body of a GET, or 0 when nothing answers.
func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// With PODIUM_METRICS_ADDR, podium serve answers /metrics on that address only, and stops
// answering there when it stops.
func TestServeMetricsOnTheirOwnAddress(t *testing.T) {
	setEnv(t, dbtest.NewEmpty(t))
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	t.Setenv("PODIUM_METRICS_ADDR", metricsAddr)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var out, errOut bytes.Buffer
		done <- run(ctx, []string{"serve", "--addr", addr, "--no-worker"}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if status, _ := get("http://" + addr + "/healthz"); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatal("server did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status, body := get("http://" + addr + "/metrics"); status != http.StatusNotFound || strings.Contains(body, "podium_http_requests_total") {
		t.Errorf("the public address serves /metrics: %d", status)
	}
	if status, body := get("http://" + metricsAddr + "/metrics"); status != http.StatusOK || !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("the metrics address: %d\n%.300s", status, body)
	}
	if status, body := get("http://" + metricsAddr + "/debug/pprof/heap?debug=1&gc=1"); status != http.StatusOK || !strings.Contains(body, "# HeapAlloc = ") {
		t.Errorf("the metrics address has no heap profile: %d", status)
	}
	if status, _ := get("http://" + addr + "/debug/pprof/heap?debug=1"); status != http.StatusNotFound {
		t.Errorf("the public address serves profiles: %d", status)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if status, _ := get("http://" + metricsAddr + "/metrics"); status != 0 {
		t.Error("the metrics address still answers after shutdown")
	}
}
