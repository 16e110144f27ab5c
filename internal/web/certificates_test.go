package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

var printedCode = regexp.MustCompile(`[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}`)

// After the websession, someone who attended downloads their certificate from their page; its
// code, typed in as a personnel office would, confirms name, event and day; the organizer
// downloads all of them as a ZIP; and once the attendee erased their data, the code confirms
// nothing.
func TestCertificateFromAttendanceToVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.WebsessionSlug)
	token := registerAt(t, h, demo.WebsessionSlug, "juergen@wesel.example", e.StartsAt.AddDate(0, 0, -7))
	manage := "/r/" + token
	_, admin := h.user("admin@example.org", "admin")

	rec := h.do("GET", manage+"/certificate.pdf", "", "")
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Eine Teilnahmebescheinigung gibt es nach der Veranstaltung") {
		t.Fatalf("before attendance: %d", rec.Code)
	}
	if strings.Contains(h.do("GET", manage, "", "").Body.String(), "certificate.pdf") {
		t.Error("the manage page offers a certificate before attendance")
	}
	var id int64
	h.pool.Get(&id, `SELECT id FROM registrations WHERE email = 'juergen@wesel.example'`)
	if rec := h.do("PATCH", "/api/v1/events/"+demo.WebsessionSlug+"/registrations/"+itoa(id), admin, `{"attended": true}`); rec.Code != http.StatusOK {
		t.Fatalf("mark attended: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(h.do("GET", manage, "", "").Body.String(), `href="`+manage+`/certificate.pdf"`) {
		t.Error("the manage page does not offer the certificate")
	}

	rec = h.do("GET", manage+"/certificate.pdf", "", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="Teilnahmebescheinigung-`+demo.WebsessionSlug+`.pdf"` {
		t.Fatalf("certificate: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
	text := pdfText(t, rec.Body.Bytes())
	code := printedCode.FindString(text)
	if code == "" || !strings.Contains(text, "Erika Mustermann") || !strings.Contains(text, "http://podium.test/verify/"+code) {
		t.Fatalf("the certificate's text:\n%s", text)
	}

	if data := h.do("GET", manage+"/data", "", "").Body.String(); !strings.Contains(data, `"verification_code": "`+code+`"`) {
		t.Errorf("the attendee's data lacks the certificate:\n%s", data)
	}
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	rec = h.do("GET", "/verify?code="+url.QueryEscape(typed), "", "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/verify/"+code {
		t.Fatalf("the typed code: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	page := h.do("GET", "/verify/"+code, "", "").Body.String()
	for _, want := range []string{"Diese Teilnahmebescheinigung ist echt.", "Erika Mustermann", e.Title, "Donnerstag, 29. Oktober 2020"} {
		if !strings.Contains(page, want) {
			t.Errorf("the verification page lacks %q", want)
		}
	}
	if strings.Contains(page, "juergen@wesel.example") {
		t.Error("the verification page shows the address")
	}
	if rec := h.do("GET", "/verify/AAAAA-AAAAA-AAAAA-AAAAA", "", ""); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "keine Teilnahmebescheinigung") {
		t.Errorf("an unknown code: %d", rec.Code)
	}

	rec = h.do("GET", "/api/v1/events/"+demo.WebsessionSlug+"/certificates.zip", admin, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("ZIP: %d %s", rec.Code, rec.Body)
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil || len(zr.File) != 1 || !strings.HasSuffix(zr.File[0].Name, "-Erika-Mustermann.pdf") {
		t.Fatalf("ZIP: %v, %d files", err, len(zr.File))
	}
	f, _ := zr.File[0].Open()
	var inZip bytes.Buffer
	inZip.ReadFrom(f)
	if !strings.Contains(pdfText(t, inZip.Bytes()), code) {
		t.Error("the PDF in the ZIP carries another code")
	}
	var audited int
	h.pool.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'certificates.exported'`)
	if audited != 1 {
		t.Errorf("%d audit entries for the ZIP, want 1", audited)
	}
	if rec := h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/certificates.zip", admin, ""); rec.Code != http.StatusConflict {
		t.Errorf("certificates of an event still to come: %d", rec.Code)
	}

	if rec := h.postForm(manage+"/delete", url.Values{}); rec.Code >= 400 {
		t.Fatalf("erase: %d", rec.Code)
	}
	if rec := h.do("GET", "/verify/"+code, "", ""); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Erika") {
		t.Errorf("after erasure the code answers %d", rec.Code)
	}
}

// Codes cannot be tried by the thousand: an address gets 30 a minute.
func TestVerificationIsRateLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range 31 {
		rec := h.do("GET", "/verify/AAAAA-AAAAA-AAAAA-AAAA"+string(rune('A'+i%26)), "", "")
		if i < 30 && rec.Code != http.StatusNotFound {
			t.Fatalf("try %d: %d", i+1, rec.Code)
		}
		if i == 30 && rec.Code != http.StatusTooManyRequests {
			t.Errorf("try 31: %d, want 429", rec.Code)
		}
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils; `make test` installs it): %v", err)
	}
	return string(out)
}
