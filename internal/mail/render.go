package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/templates"
)

// Recipient is the person a message goes to and what the message needs to know of them.
type Recipient struct {
	RegistrationID int64
	Name           string
	Email          string
	Language       string
	Status         string
	TokenSalt      []byte
	// HadSeat tells whether the person was ever confirmed, and so has the event in their calendar.
	HadSeat bool
}

// Message is an outbox entry with everything its mail shows.
type Message struct {
	OutboxID int64
	// MessageID is the entry's own unique part of the Message-ID header, the same on every
	// attempt to send it; empty for a mail rendered outside the outbox, which gets a random one.
	MessageID string
	Kind      string
	Recipient Recipient
	Event     *event.Event
	Agenda    []panel.AgendaItem
	Now       time.Time
}

// Renderer turns an outbox entry into a mail: texts from the message catalogs, plain text and
// HTML from templates/mail, links to the service's public address.
type Renderer struct {
	messages *i18n.Bundle
	text     *texttemplate.Template
	html     *htmltemplate.Template
	baseURL  *url.URL
	from     *mail.Address
	key      auth.ManageKey
	calendar *calendar.Builder
}

// NewRenderer parses the mail templates; a broken template fails the start.
func NewRenderer(messages *i18n.Bundle, baseURL *url.URL, from *mail.Address, key auth.ManageKey) (*Renderer, error) {
	text, err := texttemplate.ParseFS(templates.FS, "mail/message.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	html, err := htmltemplate.ParseFS(templates.FS, "mail/message.html")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return &Renderer{messages: messages, text: text, html: html, baseURL: baseURL, from: from, key: key,
		calendar: calendar.New(baseURL, messages)}, nil
}

// content is what both templates show.
type content struct {
	Lang, Subject, Greeting, Intro string
	ActionLabel, ActionURL         string
	Facts                          [][2]string
	JoinLabel, JoinURL             string
	EventLabel, EventURL           string
	ManageLabel, ManageURL         string
	Footer                         string
}

// Render builds the mail of one outbox entry. Mails that give a seat carry the personal invite,
// an update carries it with the new SEQUENCE, and a cancellation removes the entry from the
// calendar of whoever had a seat.
func (rd *Renderer) Render(m Message) (*gomail.Msg, error) {
	r, e := m.Recipient, m.Event
	lang := i18n.Lang(r.Language)
	t := func(id string, data map[string]any) string { return rd.messages.T(lang, id, data) }
	loc := e.Zone()
	data := map[string]any{"Title": e.Title, "Date": i18n.LongDate(e.StartsAt, loc, lang), "Time": i18n.Clock(e.StartsAt, loc, lang)}
	token := rd.key.Token(r.TokenSalt)
	c := content{
		Lang:        lang,
		Subject:     t("mail."+m.Kind+".subject", data),
		Greeting:    t("mail.greeting", map[string]any{"Name": r.Name}),
		Intro:       t(introID(m.Kind, r.Status), data),
		EventLabel:  t("mail.event", nil),
		EventURL:    rd.link("/events/" + e.Slug),
		ManageLabel: t("mail.manage", nil),
		ManageURL:   rd.link("/r/" + token),
		Footer:      t("mail.footer", nil),
		Facts: [][2]string{
			{t("event.when", nil), i18n.Span(e.StartsAt, e.EndsAt, loc, lang)},
			{t("mail.timezone", nil), e.Timezone},
		},
	}
	if e.Location != "" {
		c.Facts = append(c.Facts, [2]string{t("event.where", nil), e.Location})
	}
	if m.Kind == KindConfirm || m.Kind == KindUpdated && r.Status == "pending" {
		c.ActionLabel, c.ActionURL = t("mail.confirm.action", nil), rd.link("/r/"+token+"/confirm")
	}
	// Only people holding a seat when the mail goes out get the join link, and Outlook shows
	// this body rather than the invite's description, so the link is here as well.
	invite := inviteMethod(m.Kind, r)
	if r.Status == "confirmed" && (invite == "REQUEST" || m.Kind == KindReminder) && e.OnlineURL != "" {
		c.JoinLabel, c.JoinURL = t("mail.join", nil), e.OnlineURL
	}

	var text, html bytes.Buffer
	if err := rd.text.Execute(&text, c); err != nil {
		return nil, fmt.Errorf("mail: render text: %w", err)
	}
	if err := rd.html.Execute(&html, c); err != nil {
		return nil, fmt.Errorf("mail: render html: %w", err)
	}

	// A name formatted into "name" <address> by hand broke at a double quote or a trailing
	// backslash ("no angle-addr"), and every mail to that person failed. The To header is written
	// by address, and the recipient given to go-mail as Bcc, which it sends to without a header.
	msg := gomail.NewMsg()
	from := rd.sender(e, lang)
	if back, err := mail.ParseAddress(from.String()); err != nil || *back != *from {
		return nil, fmt.Errorf("mail: the sender %q cannot be written as an address", from.Name)
	}
	msg.FromMailAddress(from)
	msg.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderTo), address(headerName(r.Name), r.Email))
	msg.AddBccMailAddress(&mail.Address{Address: r.Email})
	msg.Subject(oneLine(c.Subject))
	unique := strings.ReplaceAll(m.MessageID, "-", "")
	if unique == "" {
		unique = randomHex(8)
	}
	msg.SetMessageIDWithValue(fmt.Sprintf("podium.%d.%s@%s", m.OutboxID, unique, rd.baseURL.Hostname()))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Content-Language", lang)
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	if invite != "" {
		if err := rd.attachCalendar(msg, invite, m); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// inviteMethod is the iCalendar method a mail carries, or "" for none. An invite, which holds
// the join link, goes only to someone holding a seat now.
func inviteMethod(kind string, r Recipient) string {
	switch kind {
	case KindRegistered, KindPromoted, KindUpdated:
		if r.Status == "confirmed" {
			return "REQUEST"
		}
	case KindCancelled, KindEventCancelled:
		if r.HadSeat {
			return "CANCEL"
		}
	}
	return ""
}

// introID picks the words for the recipient's situation: an update or a cancellation reads
// differently for someone who has not confirmed yet or is on the waitlist.
func introID(kind, status string) string {
	switch {
	case kind == KindUpdated && status == "pending",
		kind == KindEventCancelled && (status == "pending" || status == "waitlisted"):
		return "mail." + kind + ".intro_" + status
	}
	return "mail." + kind + ".intro"
}

// attachCalendar adds the calendar twice, as the clients want it: as a text/calendar
// alternative with the method on the MIME type (Outlook and Gmail show their invitation card
// only then), and as an attachment for clients that ignore alternatives.
func (rd *Renderer) attachCalendar(msg *gomail.Msg, method string, m Message) error {
	item := calendar.Item{Event: m.Event, Agenda: m.Agenda}
	who := calendar.Attendee{Name: m.Recipient.Name, Email: m.Recipient.Email, Language: m.Recipient.Language}
	ics, err := rd.calendar.Request(item, who, m.Now)
	name := "invite.ics"
	if method == "CANCEL" {
		ics, err = rd.calendar.Cancel(item, who, m.Now)
		name = "cancel.ics"
	}
	if err != nil {
		return fmt.Errorf("mail: render the calendar: %w", err)
	}
	msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+method), string(ics))
	return msg.AttachReader(name, bytes.NewReader(ics), gomail.WithFileContentType("application/ics"))
}

func (rd *Renderer) link(path string) string {
	return rd.baseURL.String() + path
}

// sender is the From of e's mails: the service's own address, named after the organizer, so that
// people see who writes to them; an address of the organizer's domain would fail DMARC.
//
// go-mail writes it with net/mail's Address.String, which leaves a backslash raw in a Q-encoded
// word that parsers then refuse. The parentheses around the service's name make it choose base64
// encoded words whenever the name needs encoding at all, which hold any character.
func (rd *Renderer) sender(e *event.Event, lang string) *mail.Address {
	service := rd.from.Name
	if service == "" {
		service = "Podium"
	}
	name := service
	if organizer := headerName(e.OrganizerName); organizer != "" {
		name = rd.messages.T(lang, "mail.from", map[string]any{"Organizer": organizer, "Service": service})
	}
	return &mail.Address{Name: name, Address: rd.from.Address}
}

// address writes a name and an address for a header, as RFC 5322 and RFC 2047 want them for any
// name: printable ASCII as a quoted string, anything else as base64 encoded words, one per line.
func address(name, addr string) string {
	angle := (&mail.Address{Address: addr}).String()
	if name == "" {
		return angle
	}
	for _, r := range name {
		if r < ' ' || r > '~' {
			words := strings.Fields(mime.BEncoding.Encode("utf-8", name))
			return strings.Join(words, "\r\n ") + "\r\n " + angle
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `" ` + angle
}

// maxHeaderName bounds a name in a mail header at the longest name a person can enter, so that no
// stored name makes a header line longer than mail servers take.
const maxHeaderName = 200

// headerName is a person's name as it goes into an address: valid UTF-8 on one line, without
// control characters, at most maxHeaderName characters; quoting and encoding are mail.Address's.
func headerName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = oneLine(s)
	if r := []rune(s); len(r) > maxHeaderName {
		s = strings.TrimSpace(string(r[:maxHeaderName]))
	}
	return s
}

// oneLine keeps a value that reaches a mail header on one line, whatever a person typed.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
