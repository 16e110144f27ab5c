package web

import (
	"sync"
	"syscall"
	"time"
)

// maxStreamsPerAddress bounds the live streams of one client address. A town hall behind one
// NAT address with a room of colleagues still fits; a script opening thousands does not.
const maxStreamsPerAddress = 200

// streamRetry is what a client refused a stream is told to wait.
const streamRetry = 10 * time.Second

// streamsFullError means the process holds as many streams as it may; ordinary requests
// still get their file descriptors.
type streamsFullError struct{}

func (streamsFullError) Error() string { return "this server holds as many live streams as it may" }

// streamLimits counts the open live streams, per client address and in all.
type streamLimits struct {
	mu            sync.Mutex
	perAddress    map[string]int
	total         int
	max           int
	maxPerAddress int // 0: no limit per address (PODIUM_RATE_LIMITS=off)
}

func newStreamLimits(max, maxPerAddress int) *streamLimits {
	return &streamLimits{perAddress: map[string]int{}, max: max, maxPerAddress: maxPerAddress}
}

// acquire takes a place for a stream from addr, or says why there is none; release gives it back.
func (l *streamLimits) acquire(addr string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxPerAddress > 0 && l.perAddress[addr] >= l.maxPerAddress {
		return nil, &rateLimitedError{RetryAfter: streamRetry}
	}
	if l.total >= l.max {
		return nil, streamsFullError{}
	}
	l.perAddress[addr]++
	l.total++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.perAddress[addr]--; l.perAddress[addr] == 0 {
				delete(l.perAddress, addr)
			}
		})
	}, nil
}

// streamBudget is how many streams one process may hold when PODIUM_MAX_STREAMS is not set:
// three quarters of the file descriptors left after the database pool, so that exhausting the
// streams leaves room to accept and answer ordinary requests.
func streamBudget(dbConns int) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<24 {
		return 10_000
	}
	return max(int(lim.Cur)-dbConns-64, 16) * 3 / 4
}
