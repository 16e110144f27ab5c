package mail_test

import (
	"fmt"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"unicode"

	"github.com/podium-events/podium/internal/calendar/icaltest"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/mail/mailtest"
)

// oddNames are names people have, or type: quotes, backslashes, commas, colons, angle brackets,
// umlauts, emoji, what looks like an encoded word, line breaks, and the longest a name may be.
var oddNames = []string{
	`Anna "Ann Meyer`,
	`Anna "Ann" Meyer`,
	`Meyer\`,
	`"`,
	`\"\\`,
	`Müller, Praxis: Dr.`,
	`O'Brien; Amt <Leitung> (Kreis Wesel)`,
	`anna@example.org`,
	`Zoë Ünal-Çelik`,
	"Kommune 🏛️ Pattensen",
	"=?utf-8?q?Gef=C3=A4lscht?=",
	"Anna\r\nBcc: evil@example.org",
	"Anna\tMeyer\x07",
	strings.Repeat("ä", 200),
	strings.Repeat("a", 200),
	strings.Repeat("Verwaltungsfachangestellte ", 40),
}

// wantCN is how a name reads in a calendar: white space, line breaks included, as single spaces,
// no control characters, invalid UTF-8 as U+FFFD. ical.js reads two backslashes in a parameter as one, which RFC 5545 does
// not know (its parameters have no escapes); Podium writes what RFC 5545 says.
func wantCN(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	return strings.Join(strings.Fields(name), " ")
}

// wantName is how a name reads in the mail headers: as in calendars, and at most 200 characters.
func wantName(name string) string {
	name = wantCN(name)
	if r := []rune(name); len(r) > 200 {
		name = strings.TrimSpace(string(r[:200]))
	}
	return name
}

// Every mail to a person with an odd name, from an organizer with an odd name, is accepted by
// the mail server, and its To and From read back with net/mail to the same names and addresses;
// the invite names both the same way. A name with a double quote or a trailing backslash once
// made every message to that person fail, so they could never confirm.
func TestOddNamesReachTheMailServerIntact(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	for i, name := range oddNames {
		e := newEvent(t, pool, fmt.Sprintf("Sprechstunde %d", i), false)
		register(t, pool, e, "Platzhalter", fmt.Sprintf("person%d@example.org", i))
		// Stored directly: validation refuses some of these names, older rows may hold them.
		pool.MustExec(`UPDATE registrations SET name = $1 WHERE email = $2`, name, fmt.Sprintf("person%d@example.org", i))
		pool.MustExec(`UPDATE events SET organizer_name = $1 WHERE id = $2`, name, e.ID)
	}
	got := sendAll(t, newWorker(t, pool, smtp), smtp)

	for i, name := range oddNames {
		email := fmt.Sprintf("person%d@example.org", i)
		if len(got[email]) != 1 {
			t.Errorf("%q: %d messages accepted by the server, want 1", name, len(got[email]))
			continue
		}
		msg, bodies, _ := parts(t, got[email][0].Data)
		want := wantName(name)
		to, err := netmail.ParseAddress(msg.Header.Get("To"))
		if err != nil || to.Name != want || to.Address != email {
			t.Errorf("%q: To %q reads as %+v (%v), want %q <%s>", name, msg.Header.Get("To"), to, err, want, email)
		}
		from, err := netmail.ParseAddress(msg.Header.Get("From"))
		if wantFrom := want + " (über Podium)"; err != nil || from.Name != wantFrom || from.Address != "podium@podium.example.org" {
			t.Errorf("%q: From %q reads as %+v (%v), want %q", name, msg.Header.Get("From"), from, err, wantFrom)
		}
		if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || !strings.Contains(subject, fmt.Sprintf("Sprechstunde %d", i)) {
			t.Errorf("%q: subject %q (%v)", name, subject, err)
		}
		ev := icaltest.Parse(t, []byte(bodies["text/calendar; method=REQUEST"])).Events[0]
		cn := strings.ReplaceAll(wantCN(name), `\\`, `\`)
		if ev.OrganizerCN != cn || len(ev.Attendees) != 1 || ev.Attendees[0].CN != cn {
			t.Errorf("%q: the invite names organizer %q and attendees %+v, want %q", name, ev.OrganizerCN, ev.Attendees, cn)
		}
	}
	if n := len(smtp.Messages()); n != len(oddNames) {
		t.Errorf("%d messages, want %d", n, len(oddNames))
	}
	var failed int
	pool.Get(&failed, `SELECT count(*) FROM outbox WHERE status <> 'sent' AND kind = 'registered'`)
	if failed != 0 {
		t.Errorf("%d messages not sent", failed)
	}
}
