package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

var (
	inputTag    = regexp.MustCompile(`<input [^>]*>`)
	textareaTag = regexp.MustCompile(`(?s)<textarea ([^>]*)>(.*?)</textarea>`)
	selectTag   = regexp.MustCompile(`(?s)<select ([^>]*)>(.*?)</select>`)
	optionTag   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
)

// attr reads an attribute of a tag's text, unescaped; "" when it has none.
func attr(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// formValues reads the form with this action from a page as a browser sends it unchanged: its
// inputs (checkboxes only when ticked), text areas, and the selected option of each select that
// is not disabled.
func formValues(t *testing.T, page, action string) url.Values {
	t.Helper()
	start := strings.Index(page, `action="`+html.EscapeString(action)+`"`)
	if start < 0 {
		t.Fatalf("the page has no form to %s", action)
	}
	form := page[start:]
	form = form[:strings.Index(form, "</form>")]
	values := url.Values{}
	for _, tag := range inputTag.FindAllString(form, -1) {
		name := attr(tag, "name")
		if name == "" || (attr(tag, "type") == "checkbox" && !strings.Contains(tag, " checked")) {
			continue
		}
		values.Add(name, attr(tag, "value"))
	}
	for _, m := range textareaTag.FindAllStringSubmatch(form, -1) {
		values.Add(attr(" "+m[1], "name"), html.UnescapeString(m[2]))
	}
	for _, m := range selectTag.FindAllStringSubmatch(form, -1) {
		if strings.Contains(m[1], "disabled") {
			continue
		}
		options := optionTag.FindAllStringSubmatch(m[2], -1)
		chosen := ""
		for i, o := range options {
			if i == 0 || o[2] != "" {
				chosen = html.UnescapeString(o[1])
			}
		}
		values.Set(attr(" "+m[1], "name"), chosen)
	}
	return values
}

// fieldError is the error text shown next to the control with the id, "" when there is none.
func fieldError(page, id string) string {
	m := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(id) + `-error"><span[^>]*></span><span class="kern-body">(.*?)</span>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// organizerAccount makes an account that may create events and logs in with testPassword.
func organizerAccount(t *testing.T, pool *sqlx.DB, email string) {
	t.Helper()
	u := eventUser(t, pool, 0, email, "")
	pool.MustExec(`UPDATE users SET role = 'organizer' WHERE id = $1`, u.ID)
}
