package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/podium-events/podium/internal/auth"
)

// patchWith sends a PATCH with an If-Match header.
func (h *harness) patchWith(path, token, ifMatch, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest("PATCH", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// Organizers moving an event at the same moment, each from the same copy, all count: every move
// raises the revision once, the revisions handed out differ, and the attendee's update for the
// last one is queued with the last revision as its SEQUENCE.
func TestConcurrentMovesEachRaiseTheRevision(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	path := "/api/v1/events/" + e.Slug
	pendingToken(t, h, e.Slug, "erika@pattensen.example")

	const moves = 8
	revisions := make([]int, moves)
	var wg sync.WaitGroup
	for i := range moves {
		wg.Go(func() {
			body := fmt.Sprintf(`{"starts_at": "2027-03-%02dT17:00:00+01:00", "ends_at": "2027-03-%02dT18:30:00+01:00"}`, 5+i, 5+i)
			rec := h.do("PATCH", path, token, body)
			if rec.Code != http.StatusOK {
				t.Errorf("move %d: %d %s", i, rec.Code, rec.Body)
				return
			}
			revisions[i] = decode[eventBody](t, rec).Revision
		})
	}
	wg.Wait()
	sort.Ints(revisions)
	for i, r := range revisions {
		if r != i+1 {
			t.Fatalf("revisions handed out %v, want 1 to %d, each once", revisions, moves)
		}
	}
	final := decode[eventBody](t, h.do("GET", path, "", ""))
	if final.Revision != moves {
		t.Errorf("revision %d after %d moves", final.Revision, moves)
	}
	var keys []string
	h.pool.Select(&keys, `SELECT dedupe_key FROM outbox WHERE kind = 'updated' AND status = 'queued'`)
	if len(keys) != 1 || !strings.HasSuffix(keys[0], fmt.Sprintf(":updated:%d", moves)) {
		t.Errorf("queued updates %v, want one for revision %d", keys, moves)
	}
}

// GET hands out the event's version as ETag; a PATCH with If-Match applies only to that version,
// else 412 and nothing changes. The dashboard's edit form carries its version the same way.
func TestIfMatchOnEventChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	e := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	path := "/api/v1/events/" + e.Slug

	read := h.do("GET", path, "", "")
	tag := read.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || len(tag) < 3 {
		t.Fatalf("ETag %q, want a strong entity tag", tag)
	}
	first := h.patchWith(path, token, tag, `{"title": "Erste Änderung"}`)
	if first.Code != http.StatusOK || first.Header().Get("ETag") == tag || first.Header().Get("ETag") == "" {
		t.Fatalf("PATCH with the current ETag: %d, ETag %q", first.Code, first.Header().Get("ETag"))
	}
	if got := h.do("GET", path, "", "").Header().Get("ETag"); got != first.Header().Get("ETag") {
		t.Errorf("GET after the change has ETag %q, the PATCH answered %q", got, first.Header().Get("ETag"))
	}
	stale := h.patchWith(path, token, tag, `{"title": "Zweite Änderung aus alter Kopie"}`)
	p := expectProblem(t, stale, http.StatusPreconditionFailed)
	if p.Type != "urn:podium:problem:precondition-failed" {
		t.Errorf("412 problem type %q", p.Type)
	}
	if got := decode[eventBody](t, h.do("GET", path, "", "")); got.Title != "Erste Änderung" {
		t.Errorf("after the refused change the title is %q", got.Title)
	}
	current := first.Header().Get("ETag")
	for _, refused := range []string{"W/" + current, `"nonsense"`, "nonsense"} {
		expectProblem(t, h.patchWith(path, token, refused, `{"title": "Nein"}`), http.StatusPreconditionFailed)
	}
	if rec := h.patchWith(path, token, `"999", `+current, `{"title": "Aus einer Liste"}`); rec.Code != http.StatusOK {
		t.Errorf("If-Match with a list naming the current version: %d", rec.Code)
	}
	if rec := h.patchWith(path, token, "*", `{"title": "Egal welche Fassung"}`); rec.Code != http.StatusOK {
		t.Errorf("If-Match *: %d", rec.Code)
	}

	// The edit page's form, filled before a colleague's change, does not overwrite it.
	var version int64
	h.pool.Get(&version, `SELECT version FROM events WHERE id = $1`, e.ID)
	eventUser(t, h.pool, e.ID, "kollegin@example.org", auth.EventOrganizer)
	session := h.login("kollegin@example.org", testPassword)
	edit := "/admin/events/" + e.Slug + "/edit"
	form := formValues(t, body(h.getPage(edit, session)), edit)
	form.Set("version", fmt.Sprint(version-1))
	form.Set("location", "Rathaus")
	res := h.postPage(edit, form, session)
	if page := body(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "inzwischen von jemand anderem geändert") {
		t.Errorf("dashboard edit from an old version: %d", res.StatusCode)
	}
	form.Set("version", fmt.Sprint(version))
	if res := h.postPage("/admin/events/"+e.Slug+"/edit", form, session); res.StatusCode != http.StatusSeeOther {
		t.Errorf("dashboard edit from the current version: %d", res.StatusCode)
	}
}
