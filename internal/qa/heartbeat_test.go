package qa

import (
	"bytes"
	"testing"
	"time"
)

// recorder is a stream's connection that keeps what was written to it.
type recorder struct{ bytes.Buffer }

func (r *recorder) Close() error                     { return nil }
func (r *recorder) SetWriteDeadline(time.Time) error { return nil }

// A page that got a batch a moment ago is not quiet: the heartbeat passes it by, and reaches it
// once it has been quiet for heartbeatEvery.
func TestHeartbeatOnlyForQuietStreams(t *testing.T) {
	t.Parallel()
	conn := &recorder{}
	s := &Subscriber{conn: conn}
	batch := Frame{Through: 1, Data: []byte("event: questions\ndata: {}\nid: 1\n\n")}
	if !s.deliver(batch) || !s.deliver(heartbeat) {
		t.Fatal("delivery failed")
	}
	if got := conn.String(); got != string(batch.Data) {
		t.Fatalf("after a batch, a heartbeat was written anyway: %q", got)
	}
	s.wrote = time.Now().Add(-heartbeatEvery)
	conn.Reset()
	if !s.deliver(heartbeat) {
		t.Fatal("delivery failed")
	}
	if got := conn.String(); got != string(heartbeat.Data) {
		t.Fatalf("a quiet stream got %q, want the heartbeat", got)
	}
}
