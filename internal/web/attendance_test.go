package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// guest is someone in a test's list.
type guest struct{ name, email, organization, language string }

// seated registers people for e and confirms them, as following the link in the mail does, and
// returns their registration ids in order.
func seated(t *testing.T, pool *sqlx.DB, e *event.Event, people ...guest) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for _, p := range people {
		r, token, err := registration.Register(ctx, pool, auth.ManageKey(harnessSecret), e, registration.Input{
			Name: p.name, Email: p.email, Organization: p.organization, Language: p.language, Consent: true}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == registration.StatusPending {
			if _, err := registration.Confirm(ctx, pool, token, testNow, testNow.Add(-48*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func attendedOf(t *testing.T, pool *sqlx.DB, ids ...int64) []bool {
	t.Helper()
	out := make([]bool, len(ids))
	for i, id := range ids {
		if err := pool.Get(&out[i], `SELECT attended FROM registrations WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func auditDetails(t *testing.T, pool *sqlx.DB, eventID int64, action string) []string {
	t.Helper()
	var details []string
	if err := pool.Select(&details, `SELECT detail FROM audit_log WHERE event_id = $1 AND action = $2 ORDER BY id`, eventID, action); err != nil {
		t.Fatal(err)
	}
	return details
}

func idStrings(ids ...int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

var checkedBox = regexp.MustCompile(`id="teilgenommen-(\d+)" name="present" type="checkbox" value="\d+" checked`)

// checked lists the ids whose box the attendance page shows ticked.
func checked(page string) map[string]bool {
	out := map[string]bool{}
	for _, m := range checkedBox.FindAllStringSubmatch(page, -1) {
		out[m[1]] = true
	}
	return out
}

// The attendance list works without JavaScript: search by name, address or organisation on the
// server, tick and save, untick and save, or mark every row shown with one button. Each save is
// one audit entry with its counts; a list naming another event's registration saves nothing.
func TestAttendanceListWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	ids := seated(t, h.pool, e,
		guest{"Erika Mustermann", "erika@pattensen.example", "Stadt Pattensen", "de"},
		guest{"Jürgen Weiß", "juergen@wesel.example", "Kreis Wesel", "de"},
		guest{"Hannah Groß", "hannah@freiburg.example", "Stadt Freiburg im Breisgau", "en"})
	session := h.login("orga@example.org", testPassword)
	list := "/admin/events/" + demo.FollowUpSlug + "/attendance"

	page := body(h.getPage(list, session))
	for _, want := range []string{"Teilnahme erfassen", "Erika Mustermann", "Jürgen Weiß", "Hannah Groß", "Alle markieren", "Alle 3 Angezeigten als teilgenommen markieren", "attendance.js"} {
		if !strings.Contains(page, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	for q, want := range map[string]string{"mustermann": "Erika", "WESEL": "Jürgen", "freiburg im": "Hannah"} {
		found := body(h.getPage(list+"?q="+url.QueryEscape(q), session))
		if !strings.Contains(found, want) || strings.Count(found, `name="shown"`) != 1 {
			t.Errorf("search %q: want only %s, got %d rows", q, want, strings.Count(found, `name="shown"`))
		}
	}

	save := func(form url.Values) *http.Response {
		t.Helper()
		return h.postPage(list, form, session)
	}
	res := save(url.Values{"shown": idStrings(ids...), "present": idStrings(ids[0], ids[2]), "q": {""}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body(res))
	}
	after := body(h.getPage(res.Header.Get("Location"), session))
	if !strings.Contains(after, "Gespeichert: 2 als teilgenommen markiert, 0 Markierungen entfernt.") {
		t.Errorf("no word of what was saved")
	}
	if got := checked(after); len(got) != 2 || !got[idStrings(ids[0])[0]] || !got[idStrings(ids[2])[0]] {
		t.Errorf("after saving, ticked: %v", got)
	}
	if got := attendedOf(t, h.pool, ids...); !got[0] || got[1] || !got[2] {
		t.Errorf("attended: %v", got)
	}

	// Unticking takes the mark back, within the search that was shown.
	res = save(url.Values{"shown": idStrings(ids[0]), "q": {"erika"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "q=erika") || !strings.Contains(res.Header.Get("Location"), "unmarked=1") {
		t.Errorf("unmark: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := attendedOf(t, h.pool, ids...); got[0] || got[1] || !got[2] {
		t.Errorf("after unticking Erika: %v", got)
	}

	// The button marks every row shown, whatever its box says.
	res = save(url.Values{"shown": idStrings(ids...), "all": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "marked=2") {
		t.Errorf("mark all: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := attendedOf(t, h.pool, ids...); !got[0] || !got[1] || !got[2] {
		t.Errorf("after marking all: %v", got)
	}
	if got := auditDetails(t, h.pool, e.ID, "attendance.changed"); len(got) != 3 || !strings.HasSuffix(got[0], "marked=2 unmarked=0") || !strings.HasSuffix(got[2], "marked=2 unmarked=0") {
		t.Errorf("the audit log: %q", got)
	}

	// A list that names a registration of another event changes nothing and says so.
	past, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	var stranger [1]int64
	h.pool.Get(&stranger[0], `INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, confirmed_at)
		VALUES ($1, 'confirmed', 'Fremd', 'fremd@example.org', now(), '\x02', now()) RETURNING id`, past.ID)
	res = save(url.Values{"shown": idStrings(ids[0], stranger[0]), "present": idStrings(stranger[0])})
	if page := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Es wurde nichts gespeichert") {
		t.Errorf("another event's registration: %d", res.StatusCode)
	}
	if got := attendedOf(t, h.pool, ids[0], stranger[0]); !got[0] || got[1] {
		t.Errorf("after the refused save: %v", got)
	}
	if got := auditDetails(t, h.pool, e.ID, "attendance.changed"); len(got) != 3 {
		t.Errorf("a refused save was audited: %q", got)
	}
}

// A large event's list comes in pages of 100, each saved on its own, and the filters by status
// and by mark narrow it down.
func TestAttendanceListPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.WebsessionSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	h.pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, confirmed_at, attended)
		SELECT $1, 'confirmed', 'Person ' || n, 'person' || n || '@kommune.example', now(), decode(md5(n::text), 'hex'), now(), n % 10 = 0
		FROM generate_series(1, 130) AS n`, e.ID)
	h.pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash)
		VALUES ($1, 'waitlisted', 'Wartende Person', 'wartet@kommune.example', now(), '\xff')`, e.ID)
	session := h.login("orga@example.org", testPassword)
	list := "/admin/events/" + demo.WebsessionSlug + "/attendance"

	first := body(h.getPage(list, session))
	if n := strings.Count(first, `name="shown"`); n != 100 || strings.Contains(first, "Wartende Person") {
		t.Fatalf("the first page shows %d rows (and the waitlist: %v)", n, strings.Contains(first, "Wartende Person"))
	}
	next := regexp.MustCompile(`href="([^"]+)">Weitere Anmeldungen`).FindStringSubmatch(first)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	second := body(h.getPage(strings.ReplaceAll(next[1], "&amp;", "&"), session))
	if n := strings.Count(second, `name="shown"`); n != 30 || !strings.Contains(second, "Person 130") || strings.Contains(second, ">Person 1<") {
		t.Errorf("the second page shows %d rows", n)
	}
	if n := strings.Count(body(h.getPage(list+"?attended=no", session)), `name="shown"`); n != 100 {
		t.Errorf("not marked, first page: %d rows", n)
	}
	if n := strings.Count(body(h.getPage(list+"?attended=yes", session)), `name="shown"`); n != 13 {
		t.Errorf("marked: %d rows, want 13", n)
	}
	if page := body(h.getPage(list+"?status=waitlisted", session)); strings.Count(page, `name="shown"`) != 1 || !strings.Contains(page, "Wartende Person") {
		t.Errorf("the waitlist filter")
	}
	if n := strings.Count(body(h.getPage(list+"?status=all&attended=yes", session)), `name="shown"`); n != 13 {
		t.Errorf("every status, marked: %d rows", n)
	}
}

// The API marks many registrations at once, audited once with the counts, within explicit
// limits; a wrong id changes nothing.
func TestBulkAttendanceAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
	orga, token := h.user("orga@example.org", "member")
	auth.SetEventRole(context.Background(), h.pool, e.ID, orga.ID, auth.EventOrganizer)
	ids := seated(t, h.pool, e, guest{"A", "a@example.org", "", "de"}, guest{"B", "b@example.org", "", "de"}, guest{"C", "c@example.org", "", "de"})
	path := "/api/v1/events/" + demo.FollowUpSlug + "/attendance"
	type change struct{ Marked, Unmarked int }

	rec := h.do("POST", path, token, fmt.Sprintf(`{"ids": [%d, %d], "attended": true}`, ids[0], ids[1]))
	if got := decode[change](t, rec); rec.Code != http.StatusOK || got.Marked != 2 || got.Unmarked != 0 {
		t.Fatalf("mark two: %d %s", rec.Code, rec.Body)
	}
	rec = h.do("POST", path, token, fmt.Sprintf(`{"ids": [%d, %d, %d], "attended": false}`, ids[0], ids[1], ids[2]))
	if got := decode[change](t, rec); rec.Code != http.StatusOK || got.Marked != 0 || got.Unmarked != 2 {
		t.Fatalf("unmark three: %d %s", rec.Code, rec.Body)
	}
	if got := auditDetails(t, h.pool, e.ID, "attendance.changed"); len(got) != 2 || !strings.HasSuffix(got[0], "marked=2 unmarked=0") || !strings.HasSuffix(got[1], "marked=0 unmarked=2") {
		t.Errorf("the audit log: %q", got)
	}

	many := make([]string, 501)
	for i := range many {
		many[i] = strconv.FormatInt(ids[0], 10)
	}
	cases := map[string]string{
		"too many ids":    `{"ids": [` + strings.Join(many, ",") + `], "attended": true}`,
		"no ids":          `{"ids": [], "attended": true}`,
		"no attended":     fmt.Sprintf(`{"ids": [%d]}`, ids[0]),
		"an unknown id":   fmt.Sprintf(`{"ids": [%d, 999999], "attended": true}`, ids[0]),
		"ids not numbers": `{"ids": ["a"], "attended": true}`,
	}
	for name, payload := range cases {
		p := expectProblem(t, h.do("POST", path, token, payload), http.StatusUnprocessableEntity)
		if !p.names("ids") && !p.names("attended") {
			t.Errorf("%s: fields %v", name, p.fields())
		}
	}
	if got := attendedOf(t, h.pool, ids...); got[0] || got[1] || got[2] {
		t.Errorf("a refused request changed something: %v", got)
	}
	if got := auditDetails(t, h.pool, e.ID, "attendance.changed"); len(got) != 2 {
		t.Errorf("refused requests were audited: %q", got)
	}
}

// The pages that record attendance, write to attendees and reinstate registrations belong to
// the event's organizers: without a login they lead to it, a moderator of the event and the
// organizer of another event are refused, the organizer gets through (to a 404 for a
// registration that does not exist).
func TestAttendanceAndMessagePagesNeedTheOrganizer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	past, _ := event.BySlug(ctx, h.pool, demo.WebsessionSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	eventUser(t, h.pool, e.ID, "moderation@example.org", auth.EventModerator)
	eventUser(t, h.pool, past.ID, "fremd@example.org", auth.EventOrganizer)
	sessions := map[string]*http.Cookie{
		"the organizer":             h.login("orga@example.org", testPassword),
		"a moderator":               h.login("moderation@example.org", testPassword),
		"another event's organizer": h.login("fremd@example.org", testPassword),
	}
	base := "/admin/events/" + demo.FollowUpSlug
	routes := []struct{ method, path string }{
		{"GET", base + "/attendance"}, {"POST", base + "/attendance"},
		{"GET", base + "/message"}, {"POST", base + "/message/preview"}, {"POST", base + "/message"},
		{"POST", base + "/registrations/999999/reinstate"},
	}
	for _, r := range routes {
		call := func(cookies ...*http.Cookie) *http.Response {
			if r.method == "GET" {
				return h.getPage(r.path, cookies...)
			}
			return h.postPage(r.path, url.Values{}, cookies...)
		}
		if res := call(); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("%s %s without login: %d %s", r.method, r.path, res.StatusCode, res.Header.Get("Location"))
		}
		for who, session := range sessions {
			code := call(session).StatusCode
			switch {
			case who != "the organizer" && code != http.StatusForbidden:
				t.Errorf("%s %s by %s: %d, want 403", r.method, r.path, who, code)
			case who == "the organizer" && (code == http.StatusForbidden || code == http.StatusUnauthorized || code >= 500):
				t.Errorf("%s %s by %s: %d", r.method, r.path, who, code)
			case who == "the organizer" && r.method == "GET" && code != http.StatusOK:
				t.Errorf("%s %s by %s: %d, want 200", r.method, r.path, who, code)
			}
		}
	}
	if n := len(auditDetails(t, h.pool, e.ID, "message.sent")) + len(auditDetails(t, h.pool, e.ID, "attendance.changed")); n != 0 {
		t.Errorf("%d refused or empty requests were audited", n)
	}
}

// The pages speak English with ?lang=en, and no message id shows instead of a text.
func TestAttendanceAndMessagePagesInEnglish(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "orga@example.org", auth.EventOrganizer)
	seated(t, h.pool, e, guest{"Hannah Groß", "hannah@freiburg.example", "", "en"})
	session := h.login("orga@example.org", testPassword)
	base := "/admin/events/" + demo.FollowUpSlug
	unresolved := regexp.MustCompile(`\b(attendance|notice|conflict|problem)\.[a-z_]+\b[^.]`)
	pages := map[string]string{
		base + "/attendance?lang=en": "Record attendance",
		base + "/message?lang=en":    "Message to attendees",
	}
	for path, want := range pages {
		page := body(h.getPage(path, session))
		if !strings.Contains(page, want) || !strings.Contains(page, `lang="en"`) {
			t.Errorf("%s lacks %q", path, want)
		}
		for _, m := range unresolved.FindAllString(page, -1) {
			if !strings.HasPrefix(m, "attendance.js") {
				t.Errorf("%s shows the id %q", path, m)
			}
		}
	}
	preview := body(h.postPage(base+"/message/preview?lang=en", url.Values{"group": {"confirmed"}, "subject": {"Link"}, "text": {"New link."}}, session))
	for _, want := range []string{"The message goes to 1 person.", "In English: 1.", "Hello Jane Doe,", "Send to 1 person now"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the English preview lacks %q", want)
		}
	}
}
