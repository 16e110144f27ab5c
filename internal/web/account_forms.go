package web

import (
	"github.com/gin-gonic/gin"
)

// accountField is one field of the account pages' forms, as the account_field template draws it.
type accountField struct {
	ID, Name, Label, Type, Autocomplete string
	Value, Error, Hint                  string
	// Options are the choices of a select, as value and label.
	Options [][2]string
}

// accountForm is a form of the account pages: its fields with what was typed and what is wrong.
type accountForm struct {
	Fields []accountField
	// Errors are the fields with a problem, in form order, for the summary at the top.
	Errors []accountField
	// Conflict says why the whole form could not be done.
	Conflict string
}

// fieldOf describes a field: its name, input type and autocomplete token. A password field
// never shows again what was typed into it.
type fieldOf struct{ name, typ, autocomplete string }

// accountFormOf lays out fields with the values of the request's form and the problems of err,
// in the page's language. It tells false for an error that is not about the input, which the
// caller shows as an error page.
func (s *Server) accountFormOf(c *gin.Context, prefix string, fields []fieldOf, err error) (*accountForm, bool) {
	lang := pageLang(c)
	problems := map[string]string{}
	f := &accountForm{}
	if err != nil {
		p, ok := s.problemOf(lang, err, nil)
		if !ok {
			return nil, false
		}
		problems = p.Fields
		if len(problems) == 0 {
			f.Conflict = p.Text
		}
	}
	for _, spec := range fields {
		// A form may name a field in its own words (account.field.<prefix>.<name>).
		label := s.messages.T(lang, "account.field."+prefix+"."+spec.name, nil)
		if label == "account.field."+prefix+"."+spec.name {
			label = s.messages.T(lang, "account.field."+spec.name, nil)
		}
		field := accountField{ID: prefix + "-" + spec.name, Name: spec.name, Type: spec.typ, Autocomplete: spec.autocomplete,
			Label: label, Error: problems[spec.name]}
		if spec.typ != "password" && err != nil {
			field.Value = c.PostForm(spec.name)
		}
		f.Fields = append(f.Fields, field)
		if field.Error != "" {
			f.Errors = append(f.Errors, field)
		}
	}
	// A problem with a field the form does not show still says what went wrong.
	for name, text := range problems {
		if !f.has(name) {
			f.Conflict = text
		}
	}
	return f, true
}

func (f *accountForm) has(name string) bool {
	for _, field := range f.Fields {
		if field.Name == name {
			return true
		}
	}
	return false
}

// field returns the form's field called name, for a page that adds a hint or choices.
func (f *accountForm) field(name string) *accountField {
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return &f.Fields[i]
		}
	}
	panic("web: the form has no field " + name) // a programming slip, caught by every test of the page
}

// passwordFields are the fields of a new password, with the rules the hint states.
var passwordFields = []fieldOf{{"password", "password", "new-password"}, {"repeat", "password", "new-password"}}
