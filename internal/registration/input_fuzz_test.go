package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// FuzzRegistrationInput validates registrations made of any text and any raw JSON answers:
// validation answers with the fields at fault, and whatever it lets through PostgreSQL can store,
// the answers as jsonb included (which refuses \u0000 as well).
func FuzzRegistrationInput(f *testing.F) {
	f.Add("Erika Mustermann", "erika@pattensen.example", "Stadt Pattensen", []byte(`"Die Optimierer"`), []byte(`"Amt"`), []byte(`"Zeile 1\r\nZeile 2"`), "de")
	f.Add("Anna \"Ann\" Meyer\\", "anna@example.org", "", []byte(`null`), []byte(`"\u0000"`), []byte("\"K\xf6ln\""), "")
	f.Add("\x00", "a\x00@example.org", "K\xf6ln", []byte(`"Die Mutigen"`), []byte(`1`), []byte(`{"x": "\u0000"}`), "fr")
	f.Add("Anna\nMeyer", "Anna <a@example.org>", "\u2028", []byte(`"\ud800"`), []byte(`"a\tb"`), []byte(`""`), "en")
	e := &event.Event{Language: "de", Questions: []event.Question{
		{Key: "typ", Label: "Typ", Kind: event.KindSelect, Options: []string{"Die Bedächtigen", "Die Optimierer"}},
		{Key: "amt", Label: "Amt", Kind: event.KindText},
		{Key: "anmerkung", Label: "Anmerkung", Kind: event.KindTextarea},
	}}
	f.Fuzz(func(t *testing.T, name, email, organization string, typ, amt, anmerkung []byte, language string) {
		in := Input{Name: name, Email: email, Organization: organization, Consent: true, Language: language,
			Answers: map[string]json.RawMessage{"typ": typ, "amt": amt, "anmerkung": anmerkung}}
		answers, err := in.validate(e)
		var invalid *domain.ValidationError
		if err != nil {
			if !errors.As(err, &invalid) || len(invalid.Fields) == 0 {
				t.Fatalf("not a validation error naming fields: %v", err)
			}
			return
		}
		for _, s := range []string{in.Name, in.Email, in.Organization, in.Municipality, in.Role, in.Language} {
			if !domain.Storable(s) {
				t.Fatalf("accepted text PostgreSQL cannot store: %q", s)
			}
		}
		if !json.Valid(answers) || !utf8.Valid(answers) || bytes.Contains(answers, []byte(`\u0000`)) {
			t.Fatalf("answers jsonb would refuse: %s", answers)
		}
	})
}
