package mail_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
)

// One batch renders the mails of many people about one event: what they share is worked out
// once, yet each mail greets its own recipient, in the right escaping for text and HTML, and
// carries only that person's manage links.
func TestBatchRendersEachRecipientsOwnMail(t *testing.T) {
	t.Parallel()
	rd := mailtest.Renderer(t, "https://podium.example.org")
	e := &event.Event{ID: 7, Slug: "digitale-kommune", Title: "Digitale Kommune", Timezone: "Europe/Berlin",
		StartsAt: time.Date(2020, 10, 29, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2020, 10, 29, 17, 30, 0, 0, time.UTC),
		Status: event.StatusPublished, OnlineURL: "https://konferenz.example.org/raum-7"}
	batch := rd.Batch(e, nil, time.Now())
	people := []*registration.Recipient{
		{RegistrationID: 1, Name: `Anna <b>"Ä"</b> & Co`, Email: "anna@example.org", Language: "de", Status: "pending", ManageToken: "tokenAnna_1"},
		{RegistrationID: 2, Name: "Max Beispiel", Email: "max@example.org", Language: "de", Status: "pending", ManageToken: "tokenMax_2"},
	}
	bodies := map[string]map[string]string{}
	for _, r := range people {
		msg, err := batch.Render(r.RegistrationID, "", outbox.KindConfirm, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		_, parts, _ := parts(t, []byte(raw.String()))
		bodies[r.Email] = parts
	}
	anna, max := bodies["anna@example.org"], bodies["max@example.org"]
	if !strings.Contains(anna["text/plain"], `Guten Tag Anna <b>"Ä"</b> & Co,`) ||
		!strings.Contains(anna["text/html"], `Guten Tag Anna &lt;b&gt;&#34;Ä&#34;&lt;/b&gt; &amp; Co,`) {
		t.Errorf("Anna's greeting:\n%s\n%s", anna["text/plain"], anna["text/html"])
	}
	if !strings.Contains(max["text/plain"], "Guten Tag Max Beispiel,") || !strings.Contains(max["text/html"], "Guten Tag Max Beispiel,") {
		t.Errorf("Max's greeting:\n%s", max["text/plain"])
	}
	for _, ct := range []string{"text/plain", "text/html"} {
		for who, token := range map[string]string{"anna@example.org": "tokenAnna_1", "max@example.org": "tokenMax_2"} {
			body := bodies[who][ct]
			manage := regexp.MustCompile(`https://podium\.example\.org/r/` + token + `(\r?\n|")`)
			if !strings.Contains(body, "https://podium.example.org/r/"+token+"/confirm") || !manage.MatchString(body) {
				t.Errorf("%s's %s lacks their confirm or manage link:\n%s", who, ct, body)
			}
		}
		if strings.Contains(anna[ct], "Max") || strings.Contains(anna[ct], "tokenMax") || strings.Contains(max[ct], "tokenAnna") {
			t.Errorf("a %s body carries another person's name or link", ct)
		}
		if strings.Contains(anna[ct], "podium") && strings.Contains(anna[ct], "greeting") {
			t.Errorf("a marker was left in the %s body:\n%s", ct, anna[ct])
		}
	}
}

// Each seat holder's mail carries their own personal join link, from the body shared by the
// batch, and never the meeting's own URL.
func TestBatchGivesEachSeatHolderTheirJoinLink(t *testing.T) {
	t.Parallel()
	rd := mailtest.Renderer(t, "https://podium.example.org")
	e := &event.Event{ID: 7, Slug: "digitale-kommune", Title: "Digitale Kommune", Timezone: "Europe/Berlin",
		StartsAt: time.Date(2020, 10, 29, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2020, 10, 29, 17, 30, 0, 0, time.UTC),
		Status: event.StatusPublished, OnlineURL: "https://konferenz.example.org/raum-7"}
	batch := rd.Batch(e, nil, time.Now())
	joins := map[string]string{"anna@example.org": "1.joinAnna", "max@example.org": "2.joinMax"}
	for i, email := range []string{"anna@example.org", "max@example.org"} {
		r := &registration.Recipient{RegistrationID: int64(i + 1), Name: "P", Email: email, Language: "de", Status: "confirmed",
			ManageToken: "manage" + email, JoinToken: joins[email]}
		msg, err := batch.Render(r.RegistrationID, "", outbox.KindReminder, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		_, bodies, _ := parts(t, []byte(raw.String()))
		for _, ct := range []string{"text/plain", "text/html"} {
			if !strings.Contains(bodies[ct], "https://podium.example.org/r/"+joins[email]+"/join") || strings.Contains(bodies[ct], "raum-7") {
				t.Errorf("%s's %s: want their join link and not the meeting's URL:\n%s", email, ct, bodies[ct])
			}
		}
	}
}
