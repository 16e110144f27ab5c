package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/config"
)

// Sender delivers one rendered message. The worker calls it from several goroutines at once.
type Sender interface {
	Send(ctx context.Context, msg *gomail.Msg) error
}

// maxStepTimeout bounds each step of an SMTP conversation (connecting, greeting with TLS and
// login, one message); a hanging server must not hold a sender.
const maxStepTimeout = 30 * time.Second

// maxIdle is how long a connection may wait unused and still be used again. Mail servers hang up
// on clients that stay silent for a few minutes (Postfix after 300 s); a connection idle longer
// is closed, and a new one dialed.
const maxIdle = 30 * time.Second

// SMTPSender delivers over SMTP as PODIUM_SMTP_URL says. It keeps its connections open between
// messages, as a browser keeps HTTP connections: a send takes an idle connection or dials one,
// and gives it back when the server took the message. A connection on which anything went wrong
// is closed, so the next message gets a fresh one. The worker's number of senders bounds how
// many connections are open at once.
type SMTPSender struct {
	cfg     *config.SMTP
	timeout time.Duration

	mu     sync.Mutex
	idle   []*smtpConn // most recently used last
	closed bool
}

type smtpConn struct {
	client *gomail.Client
	used   time.Time
}

// NewSMTPSender returns a sender for the configured server whose sends end within half the
// worker's lease and a second (see Longest): each step gets an eighth of the lease, 30 s at most.
func NewSMTPSender(cfg *config.SMTP, lease time.Duration) *SMTPSender {
	return &SMTPSender{cfg: cfg, timeout: min(maxStepTimeout, lease/8)}
}

// Longest is the longest one Send can take: a connection found closed (one step), then dialing
// a new one (connecting and greeting, two steps) and the message (one step).
func (s *SMTPSender) Longest() time.Duration {
	return 4*s.timeout + time.Second
}

// NewClient returns a go-mail client set up as this sender's connections are, not yet connected.
func (s *SMTPSender) NewClient() (*gomail.Client, error) {
	// Neither a NOOP before each message nor a RSET after it: a connection that died shows at
	// MAIL FROM before anything was handed over, and a connection with any error is closed.
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.timeout), gomail.WithoutNoop(), gomail.WithoutRset()}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client: %w", err)
	}
	return client, nil
}

// Send delivers msg over a kept connection, or a new one.
func (s *SMTPSender) Send(ctx context.Context, msg *gomail.Msg) error {
	c := s.take()
	reused := c != nil
	var err error
	if !reused {
		if c, err = s.dial(ctx); err != nil {
			return err
		}
	}
	err = c.client.Send(msg)
	if err != nil && reused && hungUp(err) {
		// The server closed the kept connection while it waited; nothing was handed over.
		go c.client.Close() //nolint:errcheck // the connection is gone already
		if c, err = s.dial(ctx); err != nil {
			return err
		}
		err = c.client.Send(msg)
	}
	if err != nil {
		go c.client.Close() //nolint:errcheck // closing is all that is left to do with it
		return err
	}
	s.put(c)
	return nil
}

// Close hangs up every idle connection; connections in use are closed when given back.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	var errs []error
	for _, c := range idle {
		errs = append(errs, c.client.Close())
	}
	return errors.Join(errs...)
}

// take returns the connection used last, or nil when none is idle. Connections that waited too
// long are closed.
func (s *SMTPSender) take() *smtpConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		c := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if time.Since(c.used) <= maxIdle {
			return c
		}
		go c.client.Close() //nolint:errcheck // the server may have hung up already
	}
	return nil
}

func (s *SMTPSender) put(c *smtpConn) {
	c.used = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go c.client.Close() //nolint:errcheck // shutting down
		return
	}
	s.idle = append(s.idle, c)
}

func (s *SMTPSender) dial(ctx context.Context) (*smtpConn, error) {
	client, err := s.NewClient()
	if err != nil {
		return nil, err
	}
	if err := client.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("mail: connect to the mail server: %w", err)
	}
	return &smtpConn{client: client}, nil
}

// hungUp tells whether a send failed because the connection was closed before the message was
// offered: MAIL FROM found no connection, or the server's parting "421".
func hungUp(err error) bool {
	var sendErr *gomail.SendError
	if !errors.As(err, &sendErr) || sendErr.Reason != gomail.ErrSMTPMailFrom {
		return false
	}
	code := sendErr.ErrorCode()
	return code == 0 || code == 421
}

// isPermanent tells whether retrying cannot help: the server refused for good (5xx).
func isPermanent(err error) bool {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		code := sendErr.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// FileSender writes each message as an .eml file into a folder, for development without a mail
// server: open them in any mail client.
type FileSender struct {
	Dir string
}

// Send writes msg to Dir.
func (f FileSender) Send(_ context.Context, msg *gomail.Msg) error {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	id := strings.Trim(msg.GetMessageID(), "<>")
	id = strings.NewReplacer("/", "_", "@", "_at_").Replace(id)
	name := time.Now().UTC().Format("20060102T150405") + "-" + id + ".eml"
	return msg.WriteToFile(filepath.Join(f.Dir, name))
}
