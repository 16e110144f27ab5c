// Package config reads Podium's settings from the environment once, validates them and hands
// them down as one value. Command-line flags override what it reads.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is everything a podium process needs to know about its surroundings.
type Config struct {
	DatabaseURL string
	DBMaxConns  int
	Addr        string
	// MetricsAddr, when set, is the only address serving /metrics; empty: the main address does.
	MetricsAddr string
	BaseURL     *url.URL
	SMTP        *SMTP // nil: mail is written as .eml files into MailDir
	MailDir     string
	MailFrom    *mail.Address
	// MailConcurrency is how many messages a worker sends at once, each over a kept connection.
	MailConcurrency int
	// MailRate bounds the messages a worker sends per second; 0: no bound.
	MailRate float64
	// MailLease is how long claimed messages stay with their worker unless it renews them: the
	// messages of a worker that died go out again after this.
	MailLease      time.Duration
	Secret         []byte
	SecretIsRandom bool
	RetentionDays  int
	// LegalDir holds the operator's impressum.md, datenschutz.md and barrierefreiheit.md; empty
	// or without one of them: Podium's example shows, marked as an example.
	LegalDir string
	// ConfirmWithin is how long a registration waits for its email confirmation.
	ConfirmWithin time.Duration
	// JoinOpensBefore is how long before the start personal join links lead into the meeting.
	JoinOpensBefore time.Duration
	RateLimits      bool
	TrustedProxies  []netip.Prefix
	// MaxStreams bounds the live streams of one process; 0 derives it from the open-file limit.
	MaxStreams int
	LogLevel   slog.Level
}

// SMTP says how to reach the mail server, parsed from PODIUM_SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "none", "starttls" or "tls".
	TLS string
}

// Bounds of the mail settings: a few dozen connections already exceed what mail providers
// accept from one client, and a lease must outlast a send to a slow server.
const (
	maxMailConcurrency = 64
	maxMailRate        = 100_000
	minMailLease       = 10 * time.Second
	maxMailLease       = time.Hour
)

// DefaultJoinOpensBefore gives people time to test sound and camera before the start.
const DefaultJoinOpensBefore = 15 * time.Minute

// maxJoinOpensBefore keeps the meeting from opening so early that a link found in an old mail
// leads in long before anyone moderates the room.
const maxJoinOpensBefore = 24 * time.Hour

// minSecretLen keeps signatures made with PODIUM_SECRET out of brute-force reach.
const minSecretLen = 32

// Error lists every wrong setting, so a person fixes them all in one go.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "config: " + strings.Join(e.Problems, "; ")
}

// Load reads the configuration through getenv (os.Getenv in production).
// randomSecret supplies a secret when PODIUM_SECRET is unset.
func Load(getenv func(string) string, randomSecret func() []byte) (*Config, error) {
	c := &Config{MailDir: ".data/mail"}
	var problems []string
	bad := func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	}
	get := func(name, fallback string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return fallback
	}

	c.DatabaseURL = get("DATABASE_URL", "")
	if c.DatabaseURL == "" {
		bad("DATABASE_URL", "is required (for example postgres://user@localhost/podium?sslmode=disable)")
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("DATABASE_URL", "must be a postgres:// URL")
	}

	// PostgreSQL's default max_connections is 100; a large machine must not take them all.
	c.DBMaxConns = min(8*runtime.GOMAXPROCS(0), 64)
	if v := get("PODIUM_DB_MAX_CONNS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 500 {
			bad("PODIUM_DB_MAX_CONNS", "must be a whole number from 2 to 500, got %q", v)
		}
		c.DBMaxConns = n
	}

	c.Addr = get("PODIUM_ADDR", ":8080")
	if err := CheckAddr(c.Addr); err != nil {
		bad("PODIUM_ADDR", "%v", err)
	}

	// Metrics tell a lot about who uses the service; operators scrape them on an address of
	// their own that the public does not reach, as Prometheus exporters do.
	if c.MetricsAddr = get("PODIUM_METRICS_ADDR", ""); c.MetricsAddr != "" {
		if err := CheckAddr(c.MetricsAddr); err != nil {
			bad("PODIUM_METRICS_ADDR", "%v", err)
		}
	}

	base := get("PODIUM_BASE_URL", "http://localhost:8080")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PODIUM_BASE_URL", "must be an absolute http(s) URL, got %q", base)
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.BaseURL = u
	}

	if v := get("PODIUM_SMTP_URL", ""); v != "" {
		s, err := parseSMTP(v)
		if err != nil {
			bad("PODIUM_SMTP_URL", "%v", err)
		}
		c.SMTP = s
	}

	from := get("PODIUM_MAIL_FROM", "Podium <podium@localhost>")
	if a, err := mail.ParseAddress(from); err != nil {
		bad("PODIUM_MAIL_FROM", "must be a mail address such as \"Podium <podium@example.org>\", got %q", from)
	} else {
		c.MailFrom = a
	}

	c.MailConcurrency = 4
	if v := get("PODIUM_MAIL_CONCURRENCY", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMailConcurrency {
			bad("PODIUM_MAIL_CONCURRENCY", "must be a whole number from 1 to %d, got %q", maxMailConcurrency, v)
		}
		c.MailConcurrency = n
	}

	if v := get("PODIUM_MAIL_RATE", ""); v != "" && !strings.EqualFold(v, "unlimited") {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0 && r <= maxMailRate) {
			bad("PODIUM_MAIL_RATE", "must be messages per second, more than 0 and at most %d (such as 20 or 0.5), or unlimited, got %q", maxMailRate, v)
		}
		c.MailRate = r
	}

	c.MailLease = 4 * time.Minute
	if v := get("PODIUM_MAIL_LEASE", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < minMailLease || d > maxMailLease {
			bad("PODIUM_MAIL_LEASE", "must be a duration from %v to %v, such as 4m, got %q", minMailLease, maxMailLease, v)
		}
		c.MailLease = d
	}

	if v := getenv("PODIUM_SECRET"); v != "" {
		if len(strings.TrimSpace(v)) < minSecretLen {
			bad("PODIUM_SECRET", "must be at least %d characters long", minSecretLen)
		}
		c.Secret = []byte(v)
	} else {
		c.Secret = randomSecret()
		c.SecretIsRandom = true
	}

	c.RetentionDays = 180
	if v := get("PODIUM_RETENTION_DAYS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			bad("PODIUM_RETENTION_DAYS", "must be a whole number of days from 1 to 3650, got %q", v)
		}
		c.RetentionDays = n
	}

	if v := get("PODIUM_LEGAL_DIR", ""); v != "" {
		if info, err := os.Stat(v); err != nil || !info.IsDir() {
			bad("PODIUM_LEGAL_DIR", "must be a directory with impressum.md, datenschutz.md and barrierefreiheit.md, got %q", v)
		}
		c.LegalDir = v
	}

	c.ConfirmWithin = 48 * time.Hour
	if v := get("PODIUM_CONFIRMATION_TIMEOUT", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Hour || d > 30*24*time.Hour {
			bad("PODIUM_CONFIRMATION_TIMEOUT", "must be a duration from 1h to 720h, such as 48h, got %q", v)
		}
		c.ConfirmWithin = d
	}

	c.JoinOpensBefore = DefaultJoinOpensBefore
	if v := get("PODIUM_JOIN_OPENS_BEFORE", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > maxJoinOpensBefore {
			bad("PODIUM_JOIN_OPENS_BEFORE", "must be a duration from 0s to 24h, such as 15m, got %q", v)
		}
		c.JoinOpensBefore = d
	}

	switch v := strings.ToLower(get("PODIUM_RATE_LIMITS", "on")); v {
	case "on":
		c.RateLimits = true
	case "off":
		c.RateLimits = false
	default:
		bad("PODIUM_RATE_LIMITS", "must be on or off, got %q", v)
	}

	if v := get("PODIUM_TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue // a trailing comma is a slip, not a proxy
			}
			prefix, err := parsePrefix(p)
			if err != nil {
				bad("PODIUM_TRUSTED_PROXIES", "%q is neither an IP address nor a CIDR range", p)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, prefix)
		}
	}

	if v := get("PODIUM_MAX_STREAMS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			bad("PODIUM_MAX_STREAMS", "must be a whole number from 1 to 1000000, got %q", v)
		}
		c.MaxStreams = n
	}

	level := get("PODIUM_LOG_LEVEL", "info")
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		bad("PODIUM_LOG_LEVEL", "must be debug, info, warn or error, got %q", level)
	}

	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return c, nil
}

// CheckAddr tells whether addr is a listen address such as ":8080" or "127.0.0.1:8080".
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port such as :8080, got %q", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be a number from 0 to 65535, got %q", port)
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parseSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	s := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.Port, s.TLS = 587, "starttls"
	case "smtps":
		s.Port, s.TLS = 465, "tls"
	default:
		return nil, fmt.Errorf("scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if s.Host == "" {
		return nil, errors.New("needs a host, as in smtp://user:pass@mail.example.org:587")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port must be a number from 1 to 65535, got %q", p)
		}
		s.Port = n
	}
	if tls := u.Query().Get("tls"); tls != "" {
		switch tls {
		case "none", "starttls", "tls":
			s.TLS = tls
		default:
			return nil, fmt.Errorf("tls must be none, starttls or tls, got %q", tls)
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}
