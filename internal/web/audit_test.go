package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/demo"
)

// Organizers see who changed and exported what, and the event's mail: a failed message shows
// its error and can be queued again, once.
func TestAuditLogAndMailDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, admin := h.user("admin@example.org", "admin")
	base := "/api/v1/events/" + demo.FollowUpSlug
	registerAt(t, h, demo.FollowUpSlug, "erika@pattensen.example", h.now)

	if rec := h.do("PATCH", base, admin, `{"capacity":80}`); rec.Code != http.StatusOK {
		t.Fatalf("patch: %d", rec.Code)
	}
	if rec := h.do("GET", base+"/attendees.csv?status=all", admin, ""); rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
	if rec := h.do("PATCH", base, admin, `{"capacity":0}`); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad patch: %d", rec.Code)
	}
	log := decode[struct {
		Items []struct {
			UserEmail      string `json:"user_email"`
			Action, Detail string
		} `json:"items"`
	}](t, h.do("GET", base+"/audit", admin, ""))
	if len(log.Items) != 2 || log.Items[0].Action != "attendees.exported" || log.Items[1].Action != "event.updated" || log.Items[0].UserEmail != "admin@example.org" || !strings.Contains(log.Items[0].Detail, "status=all") {
		t.Errorf("audit log %+v", log.Items)
	}

	h.pool.MustExec(`UPDATE outbox SET status = 'failed', attempts = 10, last_error = '550 mailbox unavailable'`)
	mails := decode[struct {
		Items []struct {
			ID        int64
			Status    string
			LastError string `json:"last_error"`
			Recipient string
		} `json:"items"`
	}](t, h.do("GET", base+"/mail?status=failed", admin, ""))
	if len(mails.Items) != 1 || mails.Items[0].LastError != "550 mailbox unavailable" || mails.Items[0].Recipient != "erika@pattensen.example" {
		t.Fatalf("failed mail %+v", mails.Items)
	}
	retry := base + "/mail/" + itoa(mails.Items[0].ID) + "/retry"
	if rec := h.do("POST", retry, admin, ""); rec.Code != http.StatusOK {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body)
	}
	var status string
	var attempts int
	h.pool.QueryRow(`SELECT status, attempts FROM outbox`).Scan(&status, &attempts)
	if status != "queued" || attempts != 0 {
		t.Errorf("after retry: %s, %d attempts", status, attempts)
	}
	if rec := h.do("POST", retry, admin, ""); rec.Code != http.StatusConflict {
		t.Errorf("second retry: %d", rec.Code)
	}
	expectProblem(t, h.do("GET", base+"/mail?status=lost", admin, ""), http.StatusUnprocessableEntity)
}
