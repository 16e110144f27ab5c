package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/demo"
)

// Organizers download the attendee list as CSV or XLSX; nobody else may; a bad option is a
// problem naming it.
func TestAttendeeDownloads(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, admin := h.user("admin@example.org", "admin")
	_, member := h.user("member@example.org", "member")
	token := registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)
	if rec := h.do("POST", "/api/v1/registrations/"+token+"/confirm", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("confirm: %d", rec.Code)
	}
	base := "/api/v1/events/" + demo.FollowUpSlug + "/attendees"

	rec := h.do("GET", base+".csv?delimiter=semicolon&lang=de", admin, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(rec.Header().Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv: %d %s", rec.Code, rec.Header())
	}
	lines := strings.Split(strings.TrimPrefix(rec.Body.String(), "\ufeff"), "\n")
	if !strings.HasPrefix(lines[0], "ID;Name;E-Mail;") || !strings.Contains(lines[1], "erika@pattensen.example") {
		t.Errorf("csv lines %q", lines[:2])
	}

	rec = h.do("GET", base+".xlsx", admin, "")
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("xlsx: %d %v", rec.Code, err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 2 || rows[1][2] != "erika@pattensen.example" {
		t.Errorf("xlsx rows %q", rows)
	}

	if rec := h.do("GET", base+".csv", member, ""); rec.Code != http.StatusForbidden {
		t.Errorf("member: %d", rec.Code)
	}
	if rec := h.do("GET", base+".csv", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", rec.Code)
	}
	p := expectProblem(t, h.do("GET", base+".csv?delimiter=tab&status=lost", admin, ""), http.StatusUnprocessableEntity)
	if !p.names("status") && !p.names("delimiter") {
		t.Errorf("problem %+v", p)
	}
}
