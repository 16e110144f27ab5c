// Package i18n speaks the user's language: German first, English second. It holds the message
// catalogs and formats dates and times as people in each language expect them.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"

	"github.com/podium-events/podium/templates"
)

// Languages Podium speaks; the first is the default.
var Languages = []string{"de", "en"}

// Bundle holds the message catalogs of every language.
type Bundle struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	// fixed holds the messages that need no data, localized once: pages show dozens of them,
	// and localizing is a template execution each time.
	fixed sync.Map // lang + "\x00" + id -> string
}

// Load reads the catalogs from templates/i18n. A language without a catalog is an error.
func Load() (*Bundle, error) {
	b := goi18n.NewBundle(language.German)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	out := &Bundle{bundle: b, localizers: map[string]*goi18n.Localizer{}}
	for _, lang := range Languages {
		if _, err := b.LoadMessageFileFS(templates.FS, path.Join("i18n", lang+".toml")); err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		out.localizers[lang] = goi18n.NewLocalizer(b, lang)
	}
	return out, nil
}

// Lang returns lang if Podium speaks it, else the default language.
func Lang(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// T returns the message id in lang, filled with data (a map or struct, may be nil). A missing
// message shows its id, which a catalog test catches before it ships.
func (b *Bundle) T(lang, id string, data any) string {
	if data == nil {
		key := Lang(lang) + "\x00" + id
		if msg, ok := b.fixed.Load(key); ok {
			return msg.(string)
		}
		msg := b.localize(lang, id, data)
		b.fixed.Store(key, msg)
		return msg
	}
	return b.localize(lang, id, data)
}

func (b *Bundle) localize(lang, id string, data any) string {
	msg, err := b.localizers[Lang(lang)].Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return msg
}

// Count returns the plural form of message id in lang for n; data is available as .Count.
func (b *Bundle) Count(lang, id string, n int) string {
	msg, err := b.localizers[Lang(lang)].Localize(&goi18n.LocalizeConfig{
		MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n},
	})
	if err != nil {
		return id
	}
	return msg
}

// PluralForm returns the plural form that message id takes for n in lang, with "{n}" where the
// number goes, for a page script that counts on its own.
func (b *Bundle) PluralForm(lang, id string, n int) string {
	msg, err := b.localizers[Lang(lang)].Localize(&goi18n.LocalizeConfig{
		MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": "{n}"},
	})
	if err != nil {
		return id
	}
	return msg
}

// MessageIDs lists the ids in a language's catalog, for the test that catalogs agree.
func MessageIDs(lang string) ([]string, error) {
	raw, err := fs.ReadFile(templates.FS, path.Join("i18n", lang+".toml"))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return ids, nil
}
