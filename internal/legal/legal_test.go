package legal_test

import (
	"testing"

	"github.com/podium-events/podium/internal/legal"
)

// The version of the consent texts follows their content: the same texts on every process are
// one version, and a change to any of them, even moving words from one to the next, is another.
func TestConsentVersionFollowsTheTexts(t *testing.T) {
	base := legal.NewConsent("Ich bin einverstanden.", "I agree.", "## Verantwortliche Stelle")
	if again := legal.NewConsent("Ich bin einverstanden.", "I agree.", "## Verantwortliche Stelle"); again.Version != base.Version {
		t.Errorf("the same texts: %s and %s", base.Version, again.Version)
	}
	for _, changed := range []legal.Consent{
		legal.NewConsent("Ich bin einverstanden!", "I agree.", "## Verantwortliche Stelle"),
		legal.NewConsent("Ich bin einverstanden.", "I agree!", "## Verantwortliche Stelle"),
		legal.NewConsent("Ich bin einverstanden.", "I agree.", "## Verantwortliche Stelle (neu)"),
		legal.NewConsent("Ich bin einverstanden.I agree.", "", "## Verantwortliche Stelle"),
	} {
		if changed.Version == base.Version || len(changed.Version) != 12 {
			t.Errorf("changed texts %+v keep version %s", changed, base.Version)
		}
	}
}
