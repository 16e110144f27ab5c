package i18n

import (
	"strings"
	"time"

	"github.com/goodsign/monday"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Date and time layouts per language. German: "Donnerstag, 29. Oktober 2020" and "17:00 Uhr".
var layouts = map[string]struct {
	longDate, shortDate, clock, clockSuffix string
	locale                                  monday.Locale
}{
	"de": {"Monday, 2. January 2006", "02.01.2006", "15:04", " Uhr", monday.LocaleDeDE},
	"en": {"Monday, 2 January 2006", "2 Jan 2006", "15:04", "", monday.LocaleEnGB},
}

// LongDate writes t's day in loc: "Donnerstag, 29. Oktober 2020".
func LongDate(t time.Time, loc *time.Location, lang string) string {
	l := layouts[Lang(lang)]
	return monday.Format(t.In(loc), l.longDate, l.locale)
}

// ShortDate writes t's day in loc: "29.10.2020".
func ShortDate(t time.Time, loc *time.Location, lang string) string {
	l := layouts[Lang(lang)]
	return monday.Format(t.In(loc), l.shortDate, l.locale)
}

// Clock writes t's time of day in loc: "17:00 Uhr".
func Clock(t time.Time, loc *time.Location, lang string) string {
	l := layouts[Lang(lang)]
	return t.In(loc).Format(l.clock) + l.clockSuffix
}

// Span writes when something happens in loc. On one day: "Donnerstag, 29. Oktober 2020,
// 17:00–18:30 Uhr"; across days: "Freitag, 30. Oktober 2020, 17:00 Uhr – Samstag, 31. Oktober
// 2020, 12:00 Uhr".
func Span(start, end time.Time, loc *time.Location, lang string) string {
	start, end = start.In(loc), end.In(loc)
	sy, sm, sd := start.Date()
	ey, em, ed := end.Date()
	if sy == ey && sm == em && sd == ed {
		return LongDate(start, loc, lang) + ", " + ClockSpan(start, end, loc, lang)
	}
	return LongDate(start, loc, lang) + ", " + Clock(start, loc, lang) + " – " +
		LongDate(end, loc, lang) + ", " + Clock(end, loc, lang)
}

// ClockSpan writes a time range within a day: "17:00–17:25 Uhr".
func ClockSpan(start, end time.Time, loc *time.Location, lang string) string {
	l := layouts[Lang(lang)]
	return start.In(loc).Format(l.clock) + "–" + end.In(loc).Format(l.clock) + l.clockSuffix
}

// germanZones are the abbreviations German speakers use for the zones that Go's time zone data
// abbreviates in English.
var germanZones = map[string]string{"CET": "MEZ", "CEST": "MESZ", "WET": "WEZ", "WEST": "WESZ", "EET": "OEZ", "EEST": "OESZ"}

// ZoneName names the time in force at t in loc as people say it: by its abbreviation, in German
// "MEZ" or "MESZ" for Berlin's winter and summer time, in English "CET" or "CEST"; a zone whose
// data has no abbreviation but an offset ("+03") by its name ("Europe/Istanbul").
func ZoneName(t time.Time, loc *time.Location, lang string) string {
	abbr, _ := t.In(loc).Zone()
	if abbr == "" || strings.ContainsAny(abbr[:1], "+-0123456789") {
		return loc.String()
	}
	if de, ok := germanZones[abbr]; ok && Lang(lang) == "de" {
		return de
	}
	return abbr
}

// ZonedSpan is Span naming the time zone, for readers anywhere: "Donnerstag, 29. Oktober 2020,
// 17:00–18:30 Uhr (MEZ)". Across a change of the clocks each end names its own.
func ZonedSpan(start, end time.Time, loc *time.Location, lang string) string {
	from, to := ZoneName(start, loc, lang), ZoneName(end, loc, lang)
	if from == to {
		return Span(start, end, loc, lang) + " (" + from + ")"
	}
	return LongDate(start, loc, lang) + ", " + Clock(start, loc, lang) + " (" + from + ") – " +
		LongDate(end, loc, lang) + ", " + Clock(end, loc, lang) + " (" + to + ")"
}

// List joins items as a sentence does: "ÖFIT, KGSt und Stadt Köln".
func List(items []string, lang string) string {
	and := map[string]string{"de": " und ", "en": " and "}[Lang(lang)]
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// numberPrinters write numbers as each language groups digits: 10.000 and 10,000.
var numberPrinters = map[string]*message.Printer{
	"de": message.NewPrinter(language.German),
	"en": message.NewPrinter(language.BritishEnglish),
}

// Number writes n with the language's digit grouping: "10.000".
func Number(n int, lang string) string {
	return numberPrinters[Lang(lang)].Sprintf("%d", n)
}
