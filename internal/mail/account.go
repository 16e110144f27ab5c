package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/templates"
)

// AccountDirectory is what the worker asks about the messages that carry an account link
// (invitations, password resets); auth.LinkDirectory implements it.
type AccountDirectory interface {
	// LinkMails returns what the mails of these links say, leaving out links that are gone.
	LinkMails(ctx context.Context, linkIDs []int64) (map[int64]*auth.LinkMail, error)
}

// accountZone is where the times in account mails are told: Podium's people work in Germany,
// and an account belongs to no event with a zone of its own.
const accountZone = "Europe/Berlin"

// accountTemplates are the plain text and HTML bodies of account mails.
type accountTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
	zone *time.Location
}

func parseAccountTemplates() (*accountTemplates, error) {
	text, err := texttemplate.ParseFS(templates.FS, "mail/account.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	html, err := htmltemplate.ParseFS(templates.FS, "mail/account.html")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	zone, err := time.LoadLocation(accountZone)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return &accountTemplates{text: text, html: html, zone: zone}, nil
}

// accountContent is what both account templates show.
type accountContent struct {
	Lang, Subject, Greeting, Intro string
	Lines                          []string
	ActionLabel, ActionURL         string
	Validity, Footer               string
}

// RenderAccount builds the mail of an account link: an invitation or a password reset.
func (rd *Renderer) RenderAccount(outboxID int64, messageID, kind string, m *auth.LinkMail) (*gomail.Msg, error) {
	lang := i18n.Lang(m.Language)
	t := func(id string, data map[string]any) string { return rd.messages.T(lang, id, data) }
	until := map[string]any{"Date": i18n.LongDate(m.ExpiresAt, rd.account.zone, lang), "Time": i18n.Clock(m.ExpiresAt, rd.account.zone, lang)}
	c := accountContent{Lang: lang, Footer: t("mail.footer", nil), Greeting: t("mail.greeting", map[string]any{"Name": m.Name})}
	switch kind {
	case outbox.KindInvitation:
		inviter := m.InvitedBy
		if inviter == "" {
			inviter = t("mail.invitation.someone", nil)
		}
		c.Greeting = t("mail.greeting.unnamed", nil)
		c.Subject = t("mail.invitation.subject", nil)
		c.Intro = t("mail.invitation.intro", map[string]any{"Inviter": inviter})
		switch {
		case len(m.Events) > 0:
			c.Lines = append(c.Lines, t("mail.invitation.events", map[string]any{"Events": i18n.List(quoted(lang, m.Events), lang)}))
		case m.Role == auth.RoleOrganizer:
			c.Lines = append(c.Lines, t("mail.invitation.organizer", nil))
		}
		c.ActionLabel = t("mail.invitation.action", nil)
		c.ActionURL = rd.link("/invitation/" + m.Token)
		until["Days"] = int(auth.InvitationValid / (24 * time.Hour))
		c.Validity = t("mail.invitation.validity", until)
	case outbox.KindPasswordReset:
		c.Subject = t("mail.password_reset.subject", nil)
		c.Intro = t("mail.password_reset.intro", nil)
		c.ActionLabel = t("mail.password_reset.action", nil)
		c.ActionURL = rd.link("/password/reset/" + m.Token)
		until["Minutes"] = int(auth.ResetValid / time.Minute)
		c.Validity = t("mail.password_reset.validity", until)
	default:
		return nil, fmt.Errorf("mail: %q is no kind of account mail", kind)
	}
	if lang == "en" {
		c.ActionURL += "?lang=en"
	}
	var text, html bytes.Buffer
	if err := rd.account.text.Execute(&text, c); err != nil {
		return nil, fmt.Errorf("mail: render text: %w", err)
	}
	if err := rd.account.html.Execute(&html, c); err != nil {
		return nil, fmt.Errorf("mail: render html: %w", err)
	}

	msg := gomail.NewMsg()
	from := &mail.Address{Name: rd.from.Name, Address: rd.from.Address}
	if from.Name == "" {
		from.Name = "Podium"
	}
	msg.FromMailAddress(from)
	msg.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderTo), address(headerName(m.Name), m.Email))
	msg.AddBccMailAddress(&mail.Address{Address: m.Email})
	msg.Subject(oneLine(c.Subject))
	unique := strings.ReplaceAll(messageID, "-", "")
	if unique == "" {
		unique = randomHex(8)
	}
	msg.SetMessageIDWithValue(fmt.Sprintf("podium.%d.%s@%s", outboxID, unique, rd.baseURL.Hostname()))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Content-Language", lang)
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// quoted puts each title in the language's quotation marks.
func quoted(lang string, titles []string) []string {
	open, close := "„", "“"
	if lang == "en" {
		open, close = "“", "”"
	}
	out := make([]string, len(titles))
	for i, title := range titles {
		out[i] = open + title + close
	}
	return out
}
