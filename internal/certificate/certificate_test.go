package certificate_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/certificate"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

var key = auth.ManageKey(bytes.Repeat([]byte("k"), 32))

// websession is the demo's websession of 29 October 2020 with one registration of name.
func websession(t *testing.T, pool *sqlx.DB, name string) (*event.Event, *registration.Registration, string) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, err := event.BySlug(ctx, pool, demo.WebsessionSlug)
	if err != nil {
		t.Fatal(err)
	}
	// Registered a week before the websession, while registration was open.
	r, token, err := registration.Register(ctx, pool, key, e, registration.Input{Name: name, Email: "person@kreis-wesel.example",
		Consent: true}, e.StartsAt.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	return e, r, token
}

func attend(t *testing.T, pool *sqlx.DB, id int64) {
	t.Helper()
	pool.MustExec(`UPDATE registrations SET attended = true WHERE id = $1`, id)
}

// A certificate exists for those who attended, once the event has ended: one code, however
// often it is asked for, and nothing once the registration is erased.
func TestIssuedToAttendeesAfterTheEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e, r, token := websession(t, pool, "Jürgen Weiß")
	now := time.Now()

	if _, err := certificate.Issue(ctx, pool, r.ID, now); !errors.Is(err, certificate.ErrNotYet) {
		t.Errorf("without attendance: %v, want ErrNotYet", err)
	}
	attend(t, pool, r.ID)
	if _, err := certificate.Issue(ctx, pool, r.ID, e.EndsAt.Add(-time.Minute)); !errors.Is(err, certificate.ErrNotYet) {
		t.Errorf("before the end: %v, want ErrNotYet", err)
	}
	c, err := certificate.Issue(ctx, pool, r.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}$`).MatchString(c.Code) || c.Name != "Jürgen Weiß" || c.Event.ID != e.ID {
		t.Errorf("certificate %q for %q", c.Code, c.Name)
	}
	again, err := certificate.Issue(ctx, pool, r.ID, now.Add(time.Hour))
	if err != nil || again.Code != c.Code || !again.IssuedAt.Equal(c.IssuedAt) {
		t.Errorf("asked again: %v, %+v", err, again)
	}
	typed := strings.ToLower(strings.ReplaceAll(c.Code, "-", " "))
	if found, err := certificate.ByCode(ctx, pool, typed); err != nil || found.RegistrationID != r.ID {
		t.Errorf("the code as typed (%q): %v", typed, err)
	}
	all, err := certificate.IssueAll(ctx, pool, e, now)
	if err != nil || len(all) != 1 || all[0].Code != c.Code {
		t.Errorf("all of the event: %v, %d", err, len(all))
	}

	if _, err := registration.Erase(ctx, pool, token, now); err != nil {
		t.Fatal(err)
	}
	if _, err := certificate.ByCode(ctx, pool, c.Code); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("after erasure the code finds %v", err)
	}
	var left int
	pool.Get(&left, `SELECT count(*) FROM certificates`)
	if left != 0 {
		t.Errorf("%d certificates left after erasure", left)
	}
}

// The PDF says who took part in what, when and for how long, in text a PDF reader extracts
// (umlauts and ß included), with the code and where to check it.
func TestPDFReadsAsACertificate(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	_, r, _ := websession(t, pool, "Jürgen Weiß-Ößmann")
	attend(t, pool, r.ID)
	c, err := certificate.Issue(ctx, pool, r.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	if err := c.WritePDF(&pdf, "https://podium.example/verify"); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("PODIUM_SCREENSHOTS"); dir != "" {
		screenshot(t, pdf.Bytes(), filepath.Join(dir, "certificate"))
	}
	text := pdfText(t, pdf.Bytes())
	for _, want := range []string{"Teilnahmebescheinigung", "Jürgen Weiß-Ößmann", "Digitale Kommune: Eine Typfrage?",
		"Donnerstag, 29. Oktober 2020, 17:00–18:30 Uhr (Europe/Berlin)", "1 Stunde 30 Minuten (90 Minuten)", "ÖFIT",
		"Programm", "https://podium.example/verify", c.Code} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	for _, a := range c.Agenda {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(a.Title), " ")) {
			t.Errorf("the PDF lacks the agenda item %q", a.Title)
		}
	}
	// Each font embedded, with a map to Unicode (what makes the text extractable).
	fonts := pdfFonts(t, pdf.Bytes())
	rows := regexp.MustCompile(`(?m)^Fira.*\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$`).FindAllStringSubmatch(fonts, -1)
	if len(rows) != 2 {
		t.Errorf("want the two Fira Sans weights:\n%s", fonts)
	}
	for _, row := range rows {
		if row[1] != "yes" || row[3] != "yes" {
			t.Errorf("a font not embedded or without Unicode map:\n%s", fonts)
		}
	}
}

// screenshot renders the PDF's page as PNG (name.png) for the README, with poppler's pdftoppm.
func screenshot(t *testing.T, pdf []byte, name string) {
	t.Helper()
	cmd := exec.Command("pdftoppm", "-png", "-r", "80", "-singlefile", "-", name)
	cmd.Stdin = bytes.NewReader(pdf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils; `make test` installs it): %v", err)
	}
	return string(out)
}

// pdfFonts is pdffonts' table: name, type, encoding, and whether each font is embedded.
func pdfFonts(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdffonts", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdffonts: %v", err)
	}
	return string(out)
}
