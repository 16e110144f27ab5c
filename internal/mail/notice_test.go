package mail_test

import (
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/notice"
	"github.com/podium-events/podium/internal/registration"
)

// An organizer's notice goes out in each recipient's language frame (greeting, introduction,
// footer) with the organizer's words as typed: text as it is in the plain part, escaped and
// with its line breaks in the HTML part. It is about the registration, so it offers no
// unsubscribing; a seat holder finds their own join link in it before the event.
func TestNoticeMailInTheRecipientsLanguage(t *testing.T) {
	t.Parallel()
	rd := mailtest.Renderer(t, "https://podium.example.org")
	e := &event.Event{ID: 7, Slug: "digitale-kommune", Title: "Digitale Kommune", Timezone: "Europe/Berlin",
		StartsAt: time.Date(2030, 10, 29, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2030, 10, 29, 17, 30, 0, 0, time.UTC),
		Status: event.StatusPublished, OnlineURL: "https://konferenz.example.org/raum-7", OrganizerName: "ÖFIT"}
	n := &notice.Notice{ID: 3, EventID: 7, Group: registration.GroupConfirmed, Subject: "Neuer Raum",
		Text: "Bitte nutzen Sie Ihren Link.\nEr gilt ab 16:45 Uhr.\n\n<b>Wichtig</b> & gut zu wissen"}
	batch := rd.Batch(e, nil, time.Date(2030, 10, 1, 0, 0, 0, 0, time.UTC))
	batch.Notices[n.ID] = n
	want := map[string][]string{
		"de": {"Guten Tag Anna Beispiel,", "zu Ihrer Anmeldung für „Digitale Kommune“ am", "schreiben Ihnen die Veranstalter:", "Sie erhalten diese Nachricht, weil Sie für „Digitale Kommune“ angemeldet sind."},
		"en": {"Hello Anna Beispiel,", "the organisers write to you about your registration for “Digitale Kommune”", "You receive this message because you are registered for “Digitale Kommune”."},
	}
	for lang, phrases := range want {
		r := &registration.Recipient{RegistrationID: 1, Name: "Anna Beispiel", Email: "anna@example.org", Language: lang,
			Status: "confirmed", ManageToken: "manageAnna", JoinToken: "1.joinAnna"}
		msg, err := batch.RenderNotice(11, "", n, r)
		if err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		head, bodies, tree := parts(t, []byte(raw.String()))
		if subject := decodeHeader(t, head.Header.Get("Subject")); subject != "Neuer Raum – Digitale Kommune" {
			t.Errorf("%s subject %q", lang, subject)
		}
		if strings.Contains(tree, "calendar") || strings.Contains(tree, "attachment") {
			t.Errorf("%s: a notice carries no calendar: %s", lang, tree)
		}
		if head.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("%s: a mail about a registration has no List-Unsubscribe", lang)
		}
		text, html := bodies["text/plain"], bodies["text/html"]
		if !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), "Bitte nutzen Sie Ihren Link.\nEr gilt ab 16:45 Uhr.\n\n<b>Wichtig</b> & gut zu wissen") {
			t.Errorf("%s text: the organizer's words are not as typed:\n%s", lang, text)
		}
		if !strings.Contains(html, "<p>Bitte nutzen Sie Ihren Link.<br>") || !strings.Contains(html, "<p>&lt;b&gt;Wichtig&lt;/b&gt; &amp; gut zu wissen</p>") {
			t.Errorf("%s html: the organizer's words are not escaped into paragraphs:\n%s", lang, html)
		}
		for _, body := range []string{text, html} {
			for _, phrase := range phrases {
				if !strings.Contains(body, phrase) {
					t.Errorf("%s: lacks %q:\n%s", lang, phrase, body)
				}
			}
			lower := strings.ToLower(body)
			for _, word := range []string{"abbestell", "abmelden", "unsubscribe", "newsletter"} {
				if strings.Contains(lower, word) {
					t.Errorf("%s: speaks of %q", lang, word)
				}
			}
			if !strings.Contains(body, "https://podium.example.org/r/1.joinAnna/join") || !strings.Contains(body, "https://podium.example.org/r/manageAnna") {
				t.Errorf("%s: lacks the person's own join and manage links:\n%s", lang, body)
			}
		}
	}

	// Another notice of the same event in the same batch says its own words.
	other := &notice.Notice{ID: 4, EventID: 7, Group: registration.GroupConfirmed, Subject: "Zweite Nachricht", Text: "Anderer Text."}
	msg, err := batch.RenderNotice(12, "", other, &registration.Recipient{RegistrationID: 2, Name: "Max", Email: "max@example.org", Language: "de", Status: "confirmed"})
	if err != nil {
		t.Fatal(err)
	}
	var raw strings.Builder
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	if _, bodies, _ := parts(t, []byte(raw.String())); !strings.Contains(bodies["text/plain"], "Anderer Text.") || strings.Contains(bodies["text/plain"], "16:45") {
		t.Errorf("the second notice shows the first one's words:\n%s", bodies["text/plain"])
	}
}

// The preview shows the organizer the plain text as a recipient in that language reads it,
// without anyone's secret links.
func TestNoticePreview(t *testing.T) {
	t.Parallel()
	rd := mailtest.Renderer(t, "https://podium.example.org")
	e := &event.Event{ID: 7, Slug: "digitale-kommune", Title: "Digitale Kommune", Timezone: "Europe/Berlin",
		StartsAt: time.Date(2030, 10, 29, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2030, 10, 29, 17, 30, 0, 0, time.UTC),
		Status: event.StatusPublished, OrganizerName: "KGSt"}
	n := &notice.Notice{Group: registration.GroupWaitlisted, Subject: "Warteliste", Text: "Noch ist kein Platz frei."}
	p, err := rd.PreviewNotice(e, n, "de", "waitlisted", "Erika Mustermann", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Warteliste – Digitale Kommune" || !strings.Contains(p.From, "KGSt") ||
		!strings.HasPrefix(p.Text, "Guten Tag Erika Mustermann,") || !strings.Contains(p.Text, "Noch ist kein Platz frei.") ||
		!strings.Contains(p.Text, "https://podium.example.org/r/…") {
		t.Errorf("preview: %+v", p)
	}
}

func decodeHeader(t *testing.T, value string) string {
	t.Helper()
	decoded, err := new(mime.WordDecoder).DecodeHeader(value)
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}
