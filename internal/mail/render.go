package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"mime"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/followup"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/notice"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
	"github.com/podium-events/podium/templates"
)

// Message is an outbox entry with everything its mail shows.
type Message struct {
	OutboxID int64
	// MessageID is the entry's own unique part of the Message-ID header, the same on every
	// attempt to send it; empty for a mail rendered outside the outbox, which gets a random one.
	MessageID string
	Kind      string
	Recipient *registration.Recipient
	Event     *event.Event
	Agenda    []panel.AgendaItem
	Now       time.Time
	// Notice is the notice a mail of outbox.KindNotice carries.
	Notice *notice.Notice
	// Payload is what the outbox entry has to say beyond the event as it is (see outbox.Replace).
	Payload []byte
}

// Renderer turns an outbox entry into a mail: texts from the message catalogs, plain text and
// HTML from templates/mail, links to the service's public address.
type Renderer struct {
	messages *i18n.Bundle
	text     *texttemplate.Template
	html     *htmltemplate.Template
	baseURL  *url.URL
	from     *mail.Address
	calendar *calendar.Builder
	account  *accountTemplates
}

// NewRenderer parses the mail templates; a broken template fails the start.
func NewRenderer(messages *i18n.Bundle, baseURL *url.URL, from *mail.Address) (*Renderer, error) {
	text, err := texttemplate.ParseFS(templates.FS, "mail/message.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	html, err := htmltemplate.ParseFS(templates.FS, "mail/message.html")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	account, err := parseAccountTemplates()
	if err != nil {
		return nil, err
	}
	return &Renderer{messages: messages, text: text, html: html, baseURL: baseURL, from: from,
		calendar: calendar.New(baseURL, messages), account: account}, nil
}

// content is what both templates show.
type content struct {
	Lang, Subject, Greeting, Intro string
	// Note is what the organizers wrote to the recipients (a cancellation's reason), under its label.
	NoteLabel, Note        string
	ActionLabel, ActionURL string
	Facts                  [][2]string
	JoinLabel, JoinURL     string
	EventLabel, EventURL   string
	ManageLabel, ManageURL string
	// Changes are what an update tells changed, each with its label, as it was and as it is.
	ChangesTitle, Before, After string
	Changes                     []change
	// Links are further links with their labels (the mail after the event has two).
	Links [][2]string
	// Sections are blocks of lines under a title, below a heading (the poll results).
	SectionsTitle string
	Sections      []followup.PollSummary
	// Text is the organizers' own words (a notice), as they typed them.
	Text   string
	Footer string
}

// Paragraphs are the lines of Text by paragraph, for the HTML body, which shows a blank line as
// a new paragraph and a line break as a line break.
func (c content) Paragraphs() [][]string {
	var out [][]string
	for _, p := range strings.Split(c.Text, "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// Render builds the mail of one outbox entry on its own; a worker renders many with a Batch.
func (rd *Renderer) Render(m Message) (*gomail.Msg, error) {
	b := rd.Batch(m.Event, m.Agenda, m.Now)
	if m.Kind == outbox.KindNotice {
		return b.RenderNotice(m.OutboxID, m.MessageID, m.Notice, m.Recipient)
	}
	return b.Render(m.OutboxID, m.MessageID, m.Kind, m.Recipient, m.Payload)
}

// Batch renders the mails about one event, as it is at now, to any number of recipients, one
// goroutine at a time. The bodies of each kind of mail, language and recipient status are
// rendered once, with markers where the recipient's greeting, manage token and join token go
// (the subject, dates and times, facts and labels do not depend on the person); each mail then
// only puts in its recipient's words and links and adds the calendar, which names the attendee.
type Batch struct {
	rd     *Renderer
	e      *event.Event
	agenda []panel.AgendaItem
	now    time.Time
	loc    *time.Location
	shared map[string]*shared // by kind, language, status (and notice)
	// Followup is what the event's mail after it includes; the worker sets it before it renders
	// such a mail.
	Followup *followup.Followup
	// Notices are the notices of the event by id; the worker adds each before it renders its
	// first mail.
	Notices map[int64]*notice.Notice
	// markers mark, by slot, where a recipient's greeting and tokens go: random letters and
	// digits, which no template escapes and nobody can type into a name or title.
	markers [slots]string
}

// shared is what the mails of one kind, language and recipient status have in common.
type shared struct {
	subject    string
	from       *mail.Address
	text, html body
}

// body is a rendered body cut at its markers: parts[0], the fill of slots[0], parts[1], … and
// the last part.
type body struct {
	parts []string
	slots []slot
}

// slot is what a recipient puts into a body where its marker was.
type slot int

const (
	greetingSlot slot = iota
	tokenSlot         // the manage token
	joinSlot          // the join token
	slots             // how many there are
)

// cut splits a rendered body at the markers.
func cut(rendered string, markers [slots]string) body {
	var b body
	for {
		at, which := -1, slot(0)
		for s, m := range markers {
			if i := strings.Index(rendered, m); i >= 0 && (at < 0 || i < at) {
				at, which = i, slot(s)
			}
		}
		if at < 0 {
			b.parts = append(b.parts, rendered)
			return b
		}
		b.parts, b.slots = append(b.parts, rendered[:at]), append(b.slots, which)
		rendered = rendered[at+len(markers[which]):]
	}
}

// writer writes the body with a recipient's fills (by slot) where the markers were.
func (b body) writer(fills [slots]string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		var written int64
		put := func(s string) error {
			n, err := io.WriteString(w, s)
			written += int64(n)
			return err
		}
		for i, p := range b.parts {
			if err := put(p); err != nil {
				return written, err
			}
			if i == len(b.slots) {
				break
			}
			if err := put(fills[b.slots[i]]); err != nil {
				return written, err
			}
		}
		return written, nil
	}
}

// Batch returns a batch renderer for mails about e.
func (rd *Renderer) Batch(e *event.Event, agenda []panel.AgendaItem, now time.Time) *Batch {
	b := &Batch{rd: rd, e: e, agenda: agenda, now: now, loc: e.Zone(), shared: map[string]*shared{}, Notices: map[int64]*notice.Notice{}}
	for s, name := range [slots]string{"greeting", "token", "join"} {
		b.markers[s] = "podium" + randomHex(12) + name
	}
	return b
}

// Render builds the mail of one outbox entry. Mails that give a seat carry the personal invite,
// an update carries it with the new SEQUENCE, and a cancellation removes the entry from the
// calendar of whoever had a seat.
func (b *Batch) Render(outboxID int64, messageID, kind string, r *registration.Recipient, payload []byte) (*gomail.Msg, error) {
	if kind == outbox.KindNotice {
		return nil, fmt.Errorf("mail: a notice's mail is rendered with RenderNotice")
	}
	return b.render(outboxID, messageID, kind, nil, r, payload)
}

// RenderNotice builds the mail of one outbox entry that carries notice n: the organizers' words
// in the frame of the recipient's language.
func (b *Batch) RenderNotice(outboxID int64, messageID string, n *notice.Notice, r *registration.Recipient) (*gomail.Msg, error) {
	if n == nil {
		return nil, fmt.Errorf("mail: the notice of this message does not exist")
	}
	return b.render(outboxID, messageID, outbox.KindNotice, n, r, nil)
}

func (b *Batch) render(outboxID int64, messageID, kind string, n *notice.Notice, r *registration.Recipient, payload []byte) (*gomail.Msg, error) {
	rd := b.rd
	lang := i18n.Lang(r.Language)
	sh, err := b.bodies(kind, lang, r.Status, n, payload)
	if err != nil {
		return nil, err
	}
	greeting := rd.messages.T(lang, "mail.greeting", map[string]any{"Name": r.Name})

	// A name formatted into "name" <address> by hand broke at a double quote or a trailing
	// backslash ("no angle-addr"), and every mail to that person failed. The To header is written
	// by address, and the recipient given to go-mail as Bcc, which it sends to without a header.
	msg := gomail.NewMsg()
	msg.FromMailAddress(sh.from)
	msg.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderTo), address(headerName(r.Name), r.Email))
	msg.AddBccMailAddress(&mail.Address{Address: r.Email})
	msg.Subject(sh.subject)
	unique := strings.ReplaceAll(messageID, "-", "")
	if unique == "" {
		unique = randomHex(8)
	}
	msg.SetMessageIDWithValue(fmt.Sprintf("podium.%d.%s@%s", outboxID, unique, rd.baseURL.Hostname()))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Content-Language", lang)
	// The bodies are written from their shared parts when the message is sent, not copied here.
	msg.SetBodyWriter(gomail.TypeTextPlain, sh.text.writer([slots]string{greeting, r.ManageToken, r.JoinToken}))
	msg.AddAlternativeWriter(gomail.TypeTextHTML, sh.html.writer([slots]string{htmltemplate.HTMLEscapeString(greeting), r.ManageToken, r.JoinToken}))
	if invite := inviteMethod(kind, r.Status, r.HadSeat); invite != "" {
		if err := b.attachCalendar(msg, invite, r); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// bodies returns the subject and bodies that the mails of one kind, language, recipient status
// and payload share (and of one notice, for a notice's), rendering them the first time.
func (b *Batch) bodies(kind, lang, status string, n *notice.Notice, payload []byte) (*shared, error) {
	key := kind + "/" + lang + "/" + status + "/" + string(payload)
	if n != nil {
		key += "/" + strconv.FormatInt(n.ID, 10)
	}
	if sh, ok := b.shared[key]; ok {
		return sh, nil
	}
	rd, e, loc := b.rd, b.e, b.loc
	t := func(id string, data map[string]any) string { return rd.messages.T(lang, id, data) }
	zone := i18n.ZoneName(e.StartsAt, loc, lang)
	data := map[string]any{"Title": e.Title, "Date": i18n.LongDate(e.StartsAt, loc, lang),
		"Time": i18n.Clock(e.StartsAt, loc, lang) + " (" + zone + ")"}
	if n != nil {
		data["Subject"] = n.Subject
	}
	c := content{
		Lang:        lang,
		Subject:     t("mail."+kind+".subject", data),
		Greeting:    b.markers[greetingSlot],
		Intro:       t(introID(kind, status), data),
		EventLabel:  t("mail.event", nil),
		EventURL:    rd.link("/events/" + e.Slug),
		ManageLabel: t("mail.manage", nil),
		ManageURL:   rd.link("/r/" + b.markers[tokenSlot]),
		Footer:      t(footerID(kind), data),
		Facts: [][2]string{
			{t("event.when", nil), i18n.ZonedSpan(e.StartsAt, e.EndsAt, loc, lang)},
			{t("mail.timezone", nil), zoneFact(zone, e.Timezone)},
		},
	}
	if kind == outbox.KindUpdated && payload != nil {
		var was event.Appointment
		if err := json.Unmarshal(payload, &was); err != nil {
			return nil, fmt.Errorf("mail: the appointment before the move: %w", err)
		}
		c.ChangesTitle, c.Before, c.After = t("mail.updated.changes", nil), t("mail.change.before", nil), t("mail.change.after", nil)
		c.Changes = rd.changes(lang, was, e.Appointment())
	}
	if kind == outbox.KindReminder {
		c.Links = append(c.Links, [2]string{t("mail.reminder.questions", nil), rd.link("/events/" + e.Slug + "/questions" + langQuery(lang))})
	}
	if e.Location != "" {
		c.Facts = append(c.Facts, [2]string{t("event.where", nil), e.Location})
	}
	if kind == outbox.KindEventCancelled && e.CancelMessage != "" {
		c.NoteLabel, c.Note = t("mail.event_cancelled.message", nil), e.CancelMessage
	}
	if kind == outbox.KindConfirm || kind == outbox.KindUpdated && status == "pending" {
		c.ActionLabel, c.ActionURL = t("mail.confirm.action", nil), rd.link("/r/"+b.markers[tokenSlot]+"/confirm")
	}
	if n != nil {
		c.Text = n.Text
	}
	if f := b.Followup; kind == outbox.KindFollowup && f != nil {
		if f.Certificates {
			c.Links = append(c.Links, [2]string{t("mail.followup.certificate", nil), rd.link("/r/" + b.markers[tokenSlot] + "/certificate.pdf")})
		}
		if f.Feedback {
			c.Links = append(c.Links, [2]string{t("mail.followup.feedback", nil), rd.link("/r/" + b.markers[tokenSlot] + "/feedback")})
		}
		if len(f.Polls) > 0 {
			c.SectionsTitle, c.Sections = t("mail.followup.polls", nil), f.Polls
		}
	}
	// Only people holding a seat when the mail goes out get a join link, and Outlook shows this
	// body rather than the invite's description, so the link is here as well. It is their
	// personal link, never the meeting's own URL, which a forwarded mail would hand to anyone.
	// A notice before the end of the event may be the very reason to look for the link.
	writesBefore := kind == outbox.KindReminder || kind == outbox.KindNotice && b.now.Before(e.EndsAt)
	if status == "confirmed" && (inviteMethod(kind, status, false) == "REQUEST" || writesBefore) && e.OnlineURL != "" {
		c.JoinLabel, c.JoinURL = t("mail.join.personal", nil), rd.joinLink(b.markers[joinSlot])
	}

	var text, html bytes.Buffer
	if err := rd.text.Execute(&text, c); err != nil {
		return nil, fmt.Errorf("mail: render text: %w", err)
	}
	if err := rd.html.Execute(&html, c); err != nil {
		return nil, fmt.Errorf("mail: render html: %w", err)
	}
	from := rd.sender(e, lang)
	if back, err := mail.ParseAddress(from.String()); err != nil || *back != *from {
		return nil, fmt.Errorf("mail: the sender %q cannot be written as an address", from.Name)
	}
	sh := &shared{subject: oneLine(c.Subject), from: from,
		text: cut(text.String(), b.markers), html: cut(html.String(), b.markers)}
	b.shared[key] = sh
	return sh, nil
}

// footerID picks the words under a mail: the organizers' notice says why it came, and that it is
// about the registration, not a newsletter one could leave.
func footerID(kind string) string {
	if kind == outbox.KindNotice {
		return "mail.notice.footer"
	}
	return "mail.footer"
}

// Preview is a mail as its recipients will read it, shown to the organizer who is about to
// send it.
type Preview struct {
	Language string `json:"language"`
	From     string `json:"from"`
	Subject  string `json:"subject"`
	Text     string `json:"text"`
}

// PreviewNotice renders the plain text of the mail of notice n as a recipient with status and
// language lang reads it, greeted as name, with "…" where each person's own links carry their
// secret.
func (rd *Renderer) PreviewNotice(e *event.Event, n *notice.Notice, lang, status, name string, now time.Time) (Preview, error) {
	lang = i18n.Lang(lang)
	sh, err := rd.Batch(e, nil, now).bodies(outbox.KindNotice, lang, status, n, nil)
	if err != nil {
		return Preview{}, err
	}
	greeting := rd.messages.T(lang, "mail.greeting", map[string]any{"Name": name})
	var text strings.Builder
	if _, err := sh.text.writer([slots]string{greeting, "…", "…"})(&text); err != nil {
		return Preview{}, err
	}
	from := rd.sender(e, lang)
	return Preview{Language: lang, From: from.Name + " <" + from.Address + ">", Subject: sh.subject, Text: text.String()}, nil
}

// inviteMethod is the iCalendar method a mail carries, or "" for none. An invite, which holds
// the join link, goes only to someone holding a seat now.
func inviteMethod(kind, status string, hadSeat bool) string {
	switch kind {
	case outbox.KindRegistered, outbox.KindPromoted, outbox.KindUpdated:
		if status == "confirmed" {
			return "REQUEST"
		}
	case outbox.KindCancelled, outbox.KindEventCancelled:
		if hadSeat {
			return "CANCEL"
		}
	}
	return ""
}

// introID picks the words for the recipient's situation: an update or a cancellation reads
// differently for someone who has not confirmed yet or is on the waitlist.
func introID(kind, status string) string {
	switch {
	case kind == outbox.KindUpdated && status == "pending",
		kind == outbox.KindEventCancelled && (status == "pending" || status == "waitlisted"):
		return "mail." + kind + ".intro_" + status
	}
	return "mail." + kind + ".intro"
}

// attachCalendar adds the calendar twice, as the clients want it: as a text/calendar
// alternative with the method on the MIME type (Outlook and Gmail show their invitation card
// only then), and as an attachment for clients that ignore alternatives.
func (b *Batch) attachCalendar(msg *gomail.Msg, method string, r *registration.Recipient) error {
	item := calendar.Item{Event: b.e, Agenda: b.agenda}
	who := calendar.Attendee{Name: r.Name, Email: r.Email, Language: r.Language, JoinURL: b.rd.joinLink(r.JoinToken)}
	ics, err := b.rd.calendar.Request(item, who, b.now)
	name := "invite.ics"
	if method == "CANCEL" {
		ics, err = b.rd.calendar.Cancel(item, who, b.now)
		name = "cancel.ics"
	}
	if err != nil {
		return fmt.Errorf("mail: render the calendar: %w", err)
	}
	msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+method), string(ics))
	msg.AttachReader(name, bytes.NewReader(ics), gomail.WithFileContentType("application/ics"))
	return nil
}

func (rd *Renderer) link(path string) string {
	return rd.baseURL.String() + path
}

// joinLink is a person's personal join link, which leads into the meeting at the right time and
// records that they came.
func (rd *Renderer) joinLink(token string) string {
	return rd.link("/r/" + token + "/join")
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
	return `"` + quotedPair.Replace(name) + `" ` + angle
}

// quotedPair escapes what a quoted string in a header cannot hold as it is. Built once: a
// replacer costs kilobytes to build, and address runs for every mail.
var quotedPair = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

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
