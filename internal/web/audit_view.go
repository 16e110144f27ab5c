package web

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/audit"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
)

// auditLine is an audit entry as the dashboards show it: when, in the time zone of its event,
// who, and in words what happened and to what. The API lists the entries with their codes.
type auditLine struct {
	At                     time.Time
	When, Who, What, About string
}

// auditLines words entries for a page in lang. zones holds the time zone of each entry's event;
// an entry of no event, or of one deleted since, is shown in the default zone. withEvent keeps
// the event's slug, for the list of all events' entries.
func (s *Server) auditLines(lang string, entries []audit.Entry, zones map[int64]*time.Location, withEvent bool) []auditLine {
	fallback, _ := time.LoadLocation(event.DefaultTimezone)
	out := make([]auditLine, len(entries))
	for i, e := range entries {
		zone := fallback
		if e.EventID != nil && zones[*e.EventID] != nil {
			zone = zones[*e.EventID]
		}
		what, about := s.auditWords(lang, e.Action, e.Detail, withEvent)
		out[i] = auditLine{At: e.At, Who: e.UserEmail, What: what, About: about,
			When: i18n.ShortDate(e.At, zone, lang) + ", " + i18n.Clock(e.At, zone, lang)}
	}
	return out
}

// auditWords says what an entry records: the action with what exactly it changed ("Frage
// freigegeben"), and what it was done to and how ("Frage Nr. 12", "Excel-Datei"). The detail is
// the event's slug and key=value pairs, as audited writes it; what has no words stays as written.
func (s *Server) auditWords(lang, action, detail string, withEvent bool) (what, about string) {
	t := func(id string, data map[string]any) (string, bool) {
		text := s.messages.T(lang, id, data)
		return text, text != id
	}
	kind, _, _ := strings.Cut(action, ".")
	var whats, abouts []string
	for _, token := range strings.Fields(detail) {
		key, value, pair := strings.Cut(token, "=")
		var words string
		var ok bool
		switch {
		case !pair:
			words, ok = token, withEvent
		case key == "change":
			for _, change := range strings.Split(value, ",") {
				if text, ok := t("audit."+action+"."+change, nil); ok {
					whats = append(whats, text)
				}
			}
			continue
		case key == "id":
			if words, ok = t("audit.id."+kind, map[string]any{"ID": value}); !ok {
				words, ok = t("audit.id", map[string]any{"ID": value})
			}
		case key == "user_id":
			words, ok = t("audit.id.user", map[string]any{"ID": value})
		case key == "marked" || key == "unmarked" || key == "recipients":
			words, ok = t("audit."+key, map[string]any{"Count": value})
		case key == "status":
			var statuses []string
			for _, status := range strings.Split(value, ",") {
				id := "admin.regstatus." + status
				if status == "all" {
					id = "admin.all"
				}
				text, _ := t(id, nil)
				statuses = append(statuses, text)
			}
			words, ok = t("audit.status", map[string]any{"Value": strings.Join(statuses, ", ")})
		default:
			words, ok = t("audit."+key+"."+value, nil)
		}
		if !ok && pair {
			words, ok = token, true
		}
		if ok {
			abouts = append(abouts, words)
		}
	}
	if len(whats) == 0 {
		text, ok := t("audit."+action, nil)
		if !ok {
			text = action
		}
		whats = append(whats, text)
	}
	return strings.Join(whats, "; "), strings.Join(abouts, ", ")
}

// auditZones returns the time zones of the events the entries are about, by event id.
func auditZones(ctx context.Context, q sqlx.QueryerContext, entries []audit.Entry) (map[int64]*time.Location, error) {
	zones := map[int64]*time.Location{}
	for _, e := range entries {
		if e.EventID == nil {
			continue
		}
		if _, ok := zones[*e.EventID]; ok {
			continue
		}
		ev, err := event.ByID(ctx, q, *e.EventID)
		if errors.Is(err, domain.ErrNotFound) {
			zones[*e.EventID] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		zones[*e.EventID] = ev.Zone()
	}
	return zones, nil
}
