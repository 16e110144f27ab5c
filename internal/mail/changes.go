package mail

import (
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
)

// change is one thing an update tells changed: its label, as it was and as it is.
type change struct{ Label, Before, After string }

// changes compares the appointment an attendee last heard of with the event as it is now, in
// lang: the title, the time (each in its own zone), the place and the join link. The meeting's
// URL never goes into a mail (a forwarded mail would hand it to anyone); the words say whether
// there is one and that it changed, and the personal join link leads to the new one.
func (rd *Renderer) changes(lang string, was, is event.Appointment) []change {
	t := func(id string) string { return rd.messages.T(lang, id, nil) }
	var out []change
	if was.Title != is.Title {
		out = append(out, change{t("mail.change.title"), was.Title, is.Title})
	}
	if !was.StartsAt.Equal(is.StartsAt) || !was.EndsAt.Equal(is.EndsAt) || was.Timezone != is.Timezone {
		out = append(out, change{t("event.when"), i18n.ZonedSpan(was.StartsAt, was.EndsAt, was.Zone(), lang),
			i18n.ZonedSpan(is.StartsAt, is.EndsAt, is.Zone(), lang)})
	}
	if was.Location != is.Location {
		place := func(p string) string {
			if p == "" {
				return t("mail.change.no_place")
			}
			return p
		}
		out = append(out, change{t("event.where"), place(was.Location), place(is.Location)})
	}
	if was.OnlineURL != is.OnlineURL {
		before, after := t("mail.change.join.old"), t("mail.change.join.new")
		if was.OnlineURL == "" {
			before, after = t("mail.change.join.none"), t("mail.change.join.added")
		}
		if is.OnlineURL == "" {
			after = t("mail.change.join.none")
		}
		out = append(out, change{t("mail.change.join"), before, after})
	}
	return out
}

// zoneFact names the event's time zone for the mail's facts: as people say it, with its name
// ("MEZ (Europe/Berlin)"), or the name alone where people have no other.
func zoneFact(spoken, name string) string {
	if spoken == name {
		return name
	}
	return spoken + " (" + name + ")"
}

// langQuery keeps a link to a page in the mail's language: pages are German unless asked.
func langQuery(lang string) string {
	if lang == "en" {
		return "?lang=en"
	}
	return ""
}
