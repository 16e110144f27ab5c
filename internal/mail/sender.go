package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/config"
)

// Sender delivers one rendered message.
type Sender interface {
	Send(ctx context.Context, msg *gomail.Msg) error
}

// smtpTimeout bounds one delivery attempt; a hanging server must not hold the worker.
const smtpTimeout = 30 * time.Second

// SMTPSender delivers over SMTP as PODIUM_SMTP_URL says.
type SMTPSender struct {
	cfg *config.SMTP
}

// NewSMTPSender returns a sender for the configured server.
func NewSMTPSender(cfg *config.SMTP) *SMTPSender { return &SMTPSender{cfg: cfg} }

// Send dials the server, delivers msg and hangs up.
func (s *SMTPSender) Send(ctx context.Context, msg *gomail.Msg) error {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(smtpTimeout)}
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
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	return client.DialAndSendWithContext(ctx, msg)
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
