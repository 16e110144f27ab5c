// Package legal holds the pages every public body's site must carry: the Impressum, the privacy
// statement and the accessibility statement (BITV 2.0 § 7). The operator writes them in Markdown;
// until they do, Podium shows example texts, marked as such on the page.
package legal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	texttemplate "text/template"

	"github.com/jmoiron/sqlx"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/podium-events/podium/templates"
)

// Names are the pages, by their path: /impressum, /datenschutz, /barrierefreiheit.
var Names = []string{"impressum", "datenschutz", "barrierefreiheit"}

// Privacy is the privacy statement's name, the page the registration form's consent links to.
const Privacy = "datenschutz"

// maxSource bounds a page's Markdown: a legal text, not a book.
const maxSource = 256 << 10

// Facts are what the texts may name with {{.Field}}, so that they say what this installation
// actually does.
type Facts struct {
	BaseURL       string
	RetentionDays int
	ConfirmHours  int
}

// Page is one legal page, rendered once when the server starts.
type Page struct {
	Name string
	// Source is the Markdown after filling in the facts: what a person reads, before rendering.
	Source string
	HTML   template.HTML
	// Example tells that the operator has not written this page yet: Podium's example shows.
	Example bool
}

// Pages are the three pages by name.
type Pages map[string]*Page

// Load reads each page from dir/<name>.md, or takes Podium's example where dir has none (or dir
// is empty). Markdown may not carry HTML of its own: it is left out, so a page cannot carry a
// script.
func Load(dir string, facts Facts) (Pages, error) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Linkify))
	pages := Pages{}
	for _, name := range Names {
		src, example, err := read(dir, name)
		if err != nil {
			return nil, err
		}
		filled, err := fill(name, src, facts)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		if err := md.Convert([]byte(filled), &out); err != nil {
			return nil, fmt.Errorf("legal: %s: %w", name, err)
		}
		pages[name] = &Page{Name: name, Source: filled, HTML: template.HTML(out.String()), Example: example}
	}
	return pages, nil
}

func read(dir, name string) (src []byte, example bool, err error) {
	if dir != "" {
		path := filepath.Join(dir, name+".md")
		src, err = os.ReadFile(path)
		switch {
		case err == nil && len(src) > maxSource:
			return nil, false, fmt.Errorf("legal: %s is larger than %d KiB", path, maxSource>>10)
		case err == nil:
			return src, false, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, false, fmt.Errorf("legal: %w", err)
		}
	}
	src, err = fs.ReadFile(templates.FS, "legal/"+name+".md")
	return src, true, err
}

func fill(name string, src []byte, facts Facts) (string, error) {
	t, err := texttemplate.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return "", fmt.Errorf("legal: %s.md: %w", name, err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, facts); err != nil {
		return "", fmt.Errorf("legal: %s.md: %w", name, err)
	}
	return out.String(), nil
}

// Consent is what a person agrees to when registering: the form's consent sentence and privacy
// note in both languages, and the privacy statement they link to.
type Consent struct {
	Version          string
	German, English  string
	PrivacyStatement string
}

// NewConsent names the texts with a version taken from their content, so that any change to
// any of them is a new version and the same texts are the same version on every process.
func NewConsent(german, english, privacyStatement string) Consent {
	h := sha256.New()
	for _, s := range []string{german, english, privacyStatement} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	return Consent{Version: hex.EncodeToString(h.Sum(nil)[:6]), German: german, English: english, PrivacyStatement: privacyStatement}
}

// Record keeps the texts under their version, once: a registration refers to them.
func (c Consent) Record(ctx context.Context, q sqlx.ExecerContext) error {
	_, err := q.ExecContext(ctx, `INSERT INTO consent_texts (version, consent_de, consent_en, privacy_statement)
		VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING`, c.Version, c.German, c.English, c.PrivacyStatement)
	if err != nil {
		return fmt.Errorf("legal: record consent texts: %w", err)
	}
	return nil
}
