package event

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gosimple/slug"
)

// MaxQuestions is how many registration questions an event may ask.
const MaxQuestions = maxQuestions

// QuestionKey makes the key of a new registration question from its label, unlike every key in
// taken: "Welcher Kommunentyp?" gives "welcher_kommunentyp", then "welcher_kommunentyp_2".
func QuestionKey(label string, taken []string) string {
	base := strings.ReplaceAll(slug.MakeLang(strings.ReplaceAll(label, "_", " "), "de"), "-", "_")
	if !questionKeyPattern.MatchString(base) {
		base = strings.TrimRight("frage_"+base, "_")
	}
	if len(base) > maxQuestionKeyLen-3 {
		base = strings.TrimRight(base[:maxQuestionKeyLen-3], "_")
	}
	key := base
	for n := 2; slices.Contains(taken, key); n++ {
		key = fmt.Sprintf("%s_%d", base, n)
	}
	return key
}
