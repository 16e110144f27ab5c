// Package mailtest runs a real SMTP server in the test process (emersion/go-smtp), so that tests
// see exactly what Podium puts on the wire, and can make the server slow, refuse or hold mail.
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
	From      string
	To        []string
	Data      []byte // empty for a sink
	MessageID string // the Message-ID header
	At        time.Time
}

// Server is an SMTP server on 127.0.0.1 that keeps what it receives.
type Server struct {
	Host string
	Port int

	mu          sync.Mutex
	messages    []Message
	refuse      int  // refuse this many more deliveries with a temporary error
	refuseAll   bool // refuse every delivery with a temporary error
	refused     int
	unknown     map[string]bool
	arrived     chan struct{}
	sink        bool
	count       int
	connections int
	delay       time.Duration
	hold        chan struct{} // while set, deliveries wait until it is closed
	holding     chan struct{} // told each time a delivery starts waiting
	inFlight    map[string]int
	overlaps    int
	conns       []*smtp.Conn
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

// Listen runs a server on 127.0.0.1 until stop is called. A sink (for benchmarks) keeps only the
// recipients and Message-ID of what arrives, not the messages.
func Listen(sink bool) (s *Server, stop func(), err error) {
	s = &Server{arrived: make(chan struct{}, 100_000), sink: sink, inFlight: map[string]int{}}
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
	return s, func() {
		s.Release()
		srv.Close()
	}, nil
}

// Count is how many messages arrived.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Connections is how many connections clients opened so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Refused is how many deliveries the server refused for now (451).
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Overlaps is how many times a message arrived while another delivery of the same Message-ID
// was still in progress: two senders sending one message at once.
func (s *Server) Overlaps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overlaps
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

// RefuseAll makes every delivery fail with "451 try again later" while on is true.
func (s *Server) RefuseAll(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseAll = on
}

// Delay makes the server take d to answer each message, as a busy server does.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Hold makes the server stall every delivery after it read the message, before it answers,
// until Release. The channel gets a value each time a delivery starts to wait.
func (s *Server) Hold() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = make(chan struct{})
	s.holding = make(chan struct{}, 1000)
	return s.holding
}

// Release lets held deliveries go on, and stops holding new ones.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// HangUp closes every open connection, as a server does with clients that stayed silent too long.
func (s *Server) HangUp() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
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

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.connections++
	b.s.conns = append(b.s.conns, c)
	b.s.mu.Unlock()
	return &session{s: b.s}, nil
}

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
	s := ss.s
	id := messageID(buf.Bytes())
	s.mu.Lock()
	if s.inFlight[id] > 0 {
		s.overlaps++
	}
	s.inFlight[id]++
	delay, hold, holding := s.delay, s.hold, s.holding
	s.mu.Unlock()
	if hold != nil {
		holding <- struct{}{}
		<-hold
	}
	time.Sleep(delay)

	s.mu.Lock()
	defer s.mu.Unlock()
	// Only messages in flight are kept, so that the map does not grow with every message sent.
	if s.inFlight[id]--; s.inFlight[id] == 0 {
		delete(s.inFlight, id)
	}
	if s.refuse > 0 || s.refuseAll {
		s.refuse = max(s.refuse-1, 0)
		s.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.count++
	m := Message{From: ss.from, To: ss.to, MessageID: id, At: time.Now()}
	if !s.sink {
		m.Data = buf.Bytes()
	}
	s.messages = append(s.messages, m)
	select {
	case s.arrived <- struct{}{}:
	default: // nobody waits for that many
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// messageID returns the value of the Message-ID header of a message, unfolded.
func messageID(data []byte) string {
	header, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	header = bytes.ReplaceAll(bytes.ReplaceAll(header, []byte("\r\n "), []byte(" ")), []byte("\r\n\t"), []byte(" "))
	for line := range bytes.SplitSeq(header, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Message-ID") {
			return strings.TrimSpace(string(value))
		}
	}
	return ""
}
