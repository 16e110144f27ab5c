package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Years a time may fall in, both as an instant and as the wall-clock time in the zone it is shown
// in. Events lie well inside; the bounds keep every computation over time small and well defined
// (time zone transitions in calendars, JSON's four-digit years, PostgreSQL's timestamps).
const (
	MinYear = 1900
	MaxYear = 2200
)

// TimeInRange tells whether t lies in the years MinYear to MaxYear, in UTC and on the clocks of loc.
func TimeInRange(t time.Time, loc *time.Location) bool {
	for _, y := range []int{t.UTC().Year(), t.In(loc).Year()} {
		if y < MinYear || y > MaxYear {
			return false
		}
	}
	return true
}

// CheckTime records a problem with field unless t lies in the accepted years (see TimeInRange).
// It tells whether t passed.
func (e *ValidationError) CheckTime(field string, t time.Time, loc *time.Location) bool {
	if TimeInRange(t, loc) {
		return true
	}
	if !e.Has(field) {
		e.Problem(field, "year_range", Params{"Min": MinYear, "Max": MaxYear},
			fmt.Sprintf("must lie between the years %d and %d, also in the event's time zone", MinYear, MaxYear))
	}
	return false
}

// CheckLine records a problem with field unless s is one line of text that can be stored: valid
// UTF-8 without control characters. PostgreSQL refuses NUL and invalid UTF-8, and a line break in
// a name or title has no place in the mail headers and calendar entries it ends up in.
func (e *ValidationError) CheckLine(field, s string) bool {
	if !e.checkUTF8(field, s) {
		return false
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		if !e.Has(field) {
			e.Problem(field, "one_line", nil, "must not contain line breaks or control characters such as NUL")
		}
		return false
	}
	return true
}

// CheckText is CheckLine for text of several lines: line breaks (\n, after the caller turned \r\n
// into \n) are allowed, other control characters are not, because nobody types them.
func (e *ValidationError) CheckText(field, s string) bool {
	if !e.checkUTF8(field, s) {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		if !e.Has(field) {
			e.Problem(field, "control_characters", nil, "must not contain control characters other than line breaks")
		}
		return false
	}
	return true
}

func (e *ValidationError) checkUTF8(field, s string) bool {
	if utf8.ValidString(s) {
		return true
	}
	if !e.Has(field) {
		e.Problem(field, "utf8", nil, "must be valid UTF-8 text")
	}
	return false
}

// Storable tells whether PostgreSQL can store s as text: valid UTF-8 without NUL. Lookups use it
// to answer "not found" for a value that cannot name anything instead of failing in the database.
func Storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
