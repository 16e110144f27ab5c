// Package domain holds the error kinds every use case reports, so that the HTTP layer can turn
// them into responses in one place without knowing the packages that raised them.
package domain

import (
	"errors"
	"strings"
)

// ErrNotFound means the thing does not exist, or the caller may not know that it does.
var ErrNotFound = errors.New("not found")

// ErrForbidden means the caller is known but may not do this.
var ErrForbidden = errors.New("forbidden")

// ErrStale means the caller changed something from an outdated copy: someone else changed it
// since the caller read it. Nothing was changed.
var ErrStale = errors.New("changed since it was read")

// Params are the values a problem's text names ("at most {{.Max}} characters"), kept apart from
// the text so that pages can say the same in the reader's language.
type Params map[string]any

// FieldError names one input field and what is wrong with it. Code is the stable name of the
// problem; pages translate it through the message catalogs ("problem.<code>"), the API sends it
// beside Message, which is the English text for developers.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code,omitempty"`
	Params  Params `json:"params,omitempty"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of one input; nothing was changed.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: message})
}

// Problem records a problem with field under its code, with the values its text names.
func (e *ValidationError) Problem(field, code string, params Params, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Code: code, Params: params, Message: message})
}

// Has tells whether field has a problem recorded already.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// OrNil returns e if it holds any problem, else nil, so callers can `return v.OrNil()`.
func (e *ValidationError) OrNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ConflictError means the request clashes with the current state (a taken slug, a cancelled event).
type ConflictError struct {
	Code    string // stable name of the conflict; pages translate it as "conflict.<code>"
	Params  Params // the values its text names; may be nil
	Field   string // may be empty
	Message string // English, for developers
}

func (e *ConflictError) Error() string { return "conflict: " + e.Message }
