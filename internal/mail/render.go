package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
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
	return &Renderer{messages: messages, text: text, html: html, baseURL: baseURL, from: from, key: key}, nil
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

// Render builds the message of kind for r about e. outboxID makes the Message-ID unique.
func (rd *Renderer) Render(kind string, outboxID int64, r Recipient, e *event.Event) (*gomail.Msg, error) {
	lang := i18n.Lang(r.Language)
	t := func(id string, data map[string]any) string { return rd.messages.T(lang, id, data) }
	title := map[string]any{"Title": e.Title}
	token := rd.key.Token(r.TokenSalt)
	c := content{
		Lang:        lang,
		Subject:     t("mail."+kind+".subject", title),
		Greeting:    t("mail.greeting", map[string]any{"Name": r.Name}),
		Intro:       t("mail."+kind+".intro", title),
		EventLabel:  t("mail.event", nil),
		EventURL:    rd.link("/events/" + e.Slug),
		ManageLabel: t("mail.manage", nil),
		ManageURL:   rd.link("/r/" + token),
		Footer:      t("mail.footer", nil),
		Facts: [][2]string{
			{t("event.when", nil), i18n.Span(e.StartsAt, e.EndsAt, e.Zone(), lang)},
		},
	}
	if e.Location != "" {
		c.Facts = append(c.Facts, [2]string{t("event.where", nil), e.Location})
	}
	if kind == KindConfirm {
		c.ActionLabel, c.ActionURL = t("mail.confirm.action", nil), rd.link("/r/"+token+"/confirm")
	}
	// Only people with a seat get the join link.
	if (kind == KindRegistered || kind == KindPromoted) && e.OnlineURL != "" {
		c.JoinLabel, c.JoinURL = t("mail.join", nil), e.OnlineURL
	}

	var text, html bytes.Buffer
	if err := rd.text.Execute(&text, c); err != nil {
		return nil, fmt.Errorf("mail: render text: %w", err)
	}
	if err := rd.html.Execute(&html, c); err != nil {
		return nil, fmt.Errorf("mail: render html: %w", err)
	}

	msg := gomail.NewMsg()
	msg.FromMailAddress(rd.from)
	if err := msg.AddToFormat(oneLine(r.Name), r.Email); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(oneLine(c.Subject))
	msg.SetMessageIDWithValue(fmt.Sprintf("podium.%d.%s@%s", outboxID, randomHex(8), rd.baseURL.Hostname()))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Content-Language", lang)
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

func (rd *Renderer) link(path string) string {
	return rd.baseURL.String() + path
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
