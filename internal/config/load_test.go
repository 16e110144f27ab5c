package config_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/config"
)

const dbURL = "postgres://podium@localhost/podium?sslmode=disable"

func load(env map[string]string) (*config.Config, error) {
	return config.Load(func(k string) string { return env[k] }, func() []byte { return bytes.Repeat([]byte("r"), 32) })
}

// With only a database named, Podium starts with sensible defaults.
func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(map[string]string{"DATABASE_URL": dbURL})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL.String() != "http://localhost:8080" || c.RetentionDays != 180 ||
		!c.RateLimits || c.SMTP != nil || c.MailFrom.Address != "podium@localhost" || !c.SecretIsRandom ||
		c.DBMaxConns < 2 || len(c.TrustedProxies) != 0 || c.MailDir != ".data/mail" || c.MetricsAddr != "" ||
		c.MailConcurrency != 4 || c.MailRate != 0 || c.MailLease != 4*time.Minute || c.JoinOpensBefore != 15*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

// Each wrong value is named with what is expected, so an operator can fix it without guessing.
func TestWrongValuesAreNamed(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, value string }{
		{"DATABASE_URL", ""},
		{"DATABASE_URL", "mysql://localhost/podium"},
		{"PODIUM_DB_MAX_CONNS", "1"},
		{"PODIUM_DB_MAX_CONNS", "viele"},
		{"PODIUM_ADDR", "8080"},
		{"PODIUM_ADDR", ":99999"},
		{"PODIUM_METRICS_ADDR", "9090"},
		{"PODIUM_BASE_URL", "podium.example.org"},
		{"PODIUM_BASE_URL", "ftp://podium.example.org"},
		{"PODIUM_SMTP_URL", "http://mail.example.org"},
		{"PODIUM_SMTP_URL", "smtp://"},
		{"PODIUM_SMTP_URL", "smtp://mail.example.org:0"},
		{"PODIUM_SMTP_URL", "smtp://mail.example.org?tls=maybe"},
		{"PODIUM_MAIL_FROM", "not an address"},
		{"PODIUM_MAIL_CONCURRENCY", "0"},
		{"PODIUM_MAIL_CONCURRENCY", "65"},
		{"PODIUM_MAIL_CONCURRENCY", "viele"},
		{"PODIUM_MAIL_RATE", "0"},
		{"PODIUM_MAIL_RATE", "-20"},
		{"PODIUM_MAIL_RATE", "NaN"},
		{"PODIUM_MAIL_RATE", "20/s"},
		{"PODIUM_MAIL_RATE", "1e9"},
		{"PODIUM_MAIL_LEASE", "5s"},
		{"PODIUM_MAIL_LEASE", "2h"},
		{"PODIUM_MAIL_LEASE", "lang"},
		{"PODIUM_SECRET", "too-short"},
		{"PODIUM_SECRET", "  " + strings.Repeat(" ", 40) + "x"},
		{"PODIUM_RETENTION_DAYS", "0"},
		{"PODIUM_RETENTION_DAYS", "ein Jahr"},
		{"PODIUM_LEGAL_DIR", "/gibt/es/nicht"},
		{"PODIUM_LEGAL_DIR", "/etc/hostname"},
		{"PODIUM_JOIN_OPENS_BEFORE", "15"},
		{"PODIUM_JOIN_OPENS_BEFORE", "-5m"},
		{"PODIUM_JOIN_OPENS_BEFORE", "25h"},
		{"PODIUM_RATE_LIMITS", "maybe"},
		{"PODIUM_TRUSTED_PROXIES", "10.0.0.1, proxy.local"},
		{"PODIUM_MAX_STREAMS", "0"},
		{"PODIUM_MAX_STREAMS", "viele"},
		{"PODIUM_LOG_LEVEL", "loud"},
	}
	for _, c := range cases {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": dbURL, c.name: c.value}
			_, err := load(env)
			var cfgErr *config.Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("err = %v, want *config.Error", err)
			}
			if len(cfgErr.Problems) != 1 || !strings.HasPrefix(cfgErr.Problems[0], c.name+": ") {
				t.Fatalf("problems %q, want one naming %s", cfgErr.Problems, c.name)
			}
		})
	}
}

// All wrong values are reported at once, and secrets never appear in the message.
func TestAllProblemsAtOnceWithoutSecrets(t *testing.T) {
	t.Parallel()
	_, err := load(map[string]string{
		"DATABASE_URL":          "mysql://admin:db-secret@localhost/podium",
		"PODIUM_SMTP_URL":       "smtp://user:smtp-secret@mail.example.org?tls=maybe",
		"PODIUM_SECRET":         "short-secret",
		"PODIUM_RETENTION_DAYS": "-1",
	})
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || len(cfgErr.Problems) != 4 {
		t.Fatalf("err = %v, want four problems", err)
	}
	for _, secret := range []string{"db-secret", "smtp-secret", "short-secret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %q", secret)
		}
	}
}

// The SMTP URL carries server, port, credentials and TLS mode in one value.
func TestSMTPURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url       string
		host      string
		port      int
		tls, user string
	}{
		{"smtp://user:pass@mail.example.org", "mail.example.org", 587, "starttls", "user"},
		{"smtps://mail.example.org", "mail.example.org", 465, "tls", ""},
		{"smtp://127.0.0.1:2525?tls=none", "127.0.0.1", 2525, "none", ""},
	}
	for _, c := range cases {
		cfg, err := load(map[string]string{"DATABASE_URL": dbURL, "PODIUM_SMTP_URL": c.url})
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		s := cfg.SMTP
		if s.Host != c.host || s.Port != c.port || s.TLS != c.tls || s.Username != c.user {
			t.Errorf("%s: %+v", c.url, s)
		}
	}
	cfg, _ := load(map[string]string{"DATABASE_URL": dbURL, "PODIUM_SMTP_URL": "smtp://user:pass@mail.example.org"})
	if cfg.SMTP.Password != "pass" {
		t.Errorf("password %q", cfg.SMTP.Password)
	}
}

// Proxies are given as addresses or ranges; a set secret is used as given.
func TestProxiesAndSecret(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("x", 40)
	cfg, err := load(map[string]string{"DATABASE_URL": dbURL, "PODIUM_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,::1,", "PODIUM_METRICS_ADDR": "127.0.0.1:9090",
		"PODIUM_SECRET": secret, "PODIUM_RATE_LIMITS": "OFF", "PODIUM_BASE_URL": "https://podium.example.org/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TrustedProxies) != 3 || cfg.TrustedProxies[0].String() != "10.0.0.1/32" || cfg.TrustedProxies[1].String() != "192.168.0.0/16" {
		t.Errorf("proxies %v", cfg.TrustedProxies)
	}
	if string(cfg.Secret) != secret || cfg.SecretIsRandom || cfg.RateLimits || cfg.BaseURL.String() != "https://podium.example.org" || cfg.MetricsAddr != "127.0.0.1:9090" {
		t.Errorf("config %+v", cfg)
	}
}

// The mail worker's pace: senders at once, messages per second (fractions allowed, "unlimited"
// spelled out if one likes), and how long a claimed message stays with its worker.
func TestMailSettings(t *testing.T) {
	cases := []struct {
		env         map[string]string
		concurrency int
		rate        float64
		lease       time.Duration
	}{
		{map[string]string{"PODIUM_MAIL_CONCURRENCY": "16", "PODIUM_MAIL_RATE": "20"}, 16, 20, 4 * time.Minute},
		{map[string]string{"PODIUM_MAIL_RATE": "0.5", "PODIUM_MAIL_LEASE": "30s"}, 4, 0.5, 30 * time.Second},
		{map[string]string{"PODIUM_MAIL_RATE": "Unlimited", "PODIUM_MAIL_CONCURRENCY": "1"}, 1, 0, 4 * time.Minute},
	}
	for _, c := range cases {
		c.env["DATABASE_URL"] = dbURL
		cfg, err := load(c.env)
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.MailConcurrency != c.concurrency || cfg.MailRate != c.rate || cfg.MailLease != c.lease {
			t.Errorf("%v: concurrency %d, rate %v, lease %v", c.env, cfg.MailConcurrency, cfg.MailRate, cfg.MailLease)
		}
	}
}

// The personal join links open a configurable time before the start; zero opens them at the
// start itself, and a day is the most.
func TestJoinOpensBefore(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]time.Duration{"30m": 30 * time.Minute, "0": 0, "0s": 0, "1h30m": 90 * time.Minute, "24h": 24 * time.Hour} {
		cfg, err := load(map[string]string{"DATABASE_URL": dbURL, "PODIUM_JOIN_OPENS_BEFORE": value})
		if err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		if cfg.JoinOpensBefore != want {
			t.Errorf("%s: %v, want %v", value, cfg.JoinOpensBefore, want)
		}
	}
}
