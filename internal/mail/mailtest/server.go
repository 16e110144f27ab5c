// Package mailtest runs a real SMTP server in the test process (emersion/go-smtp), so that tests
// see exactly what Podium puts on the wire.
package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/podium-events/podium/internal/config"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server on 127.0.0.1 that keeps what it receives.
type Server struct {
	Host string
	Port int

	mu       sync.Mutex
	messages []Message
	refuse   int // refuse this many more deliveries with a temporary error
	unknown  map[string]bool
	arrived  chan struct{}
	sink     bool
	count    int
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, stop, err := Listen(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// Listen runs a server on 127.0.0.1 until stop is called. A sink (for benchmarks) only counts
// what arrives instead of keeping it.
func Listen(sink bool) (s *Server, stop func(), err error) {
	s = &Server{arrived: make(chan struct{}, 100_000), sink: sink}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("mailtest: %w", err)
	}
	s.Host = "127.0.0.1"
	s.Port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l) //nolint:errcheck // ends with Close
	return s, func() { srv.Close() }, nil
}

// Count is how many messages arrived.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Config returns the SMTP settings that reach this server without TLS.
func (s *Server) Config() *config.SMTP {
	return &config.SMTP{Host: s.Host, Port: s.Port, TLS: "none"}
}

// URL is the PODIUM_SMTP_URL of this server.
func (s *Server) URL() string {
	return "smtp://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) + "?tls=none"
}

// Refuse makes the next n deliveries fail with "451 try again later".
func (s *Server) Refuse(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// Unknown makes the server refuse the address for good, quoting it as real servers do
// ("550 5.1.1 <anna@example.org>: Recipient address rejected").
func (s *Server) Unknown(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown == nil {
		s.unknown = map[string]bool{}
	}
	s.unknown[strings.ToLower(address)] = true
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages arrived, or fails the test after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("mailtest: %d messages arrived within %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	unknown := ss.s.unknown[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if unknown {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "<" + to + ">: Recipient address rejected: User unknown in virtual mailbox table"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.refuse > 0 {
		ss.s.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.s.count++
	if ss.s.sink {
		return nil
	}
	ss.s.messages = append(ss.s.messages, Message{From: ss.from, To: ss.to, Data: buf.Bytes()})
	ss.s.arrived <- struct{}{}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
