package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// maxBodyBytes bounds every JSON request body; an event with twenty questions fits many times.
const maxBodyBytes = 1 << 20

// readObject reads the request body as one JSON object, keeping each field raw so that it can be
// told apart from an absent one. It fails with 413 past maxBodyBytes and 400 for malformed JSON.
func readObject(c *gin.Context) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, &malformedError{"unable to read the request body"}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, &malformedError{"the request body is empty; send a JSON object"}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, &malformedError{fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err)}
		}
		return nil, &malformedError{"the request body must be a JSON object"}
	}
	return obj, nil
}

// decodeFields decodes each present field of obj into the pointer that targets names for it.
// Unknown fields and values of the wrong type are reported by field name.
func decodeFields(obj map[string]json.RawMessage, targets map[string]any) error {
	v := &domain.ValidationError{}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target, ok := targets[name]
		if !ok {
			v.Add(name, "unknown field")
			continue
		}
		if err := json.Unmarshal(obj[name], target); err != nil {
			v.Add(name, "must be "+describe(target))
		}
	}
	return v.OrNil()
}

// describe names the JSON a target accepts, for error messages.
func describe(target any) string {
	switch target.(type) {
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *int, **int:
		return "a whole number"
	case *time.Time, **time.Time:
		return "a time in RFC 3339 form, such as 2020-10-29T17:00:00+01:00"
	case *[]string:
		return "a list of strings"
	case *[]event.Question:
		return `a list of objects {"key", "label", "kind", "options", "required"}`
	default:
		return "of the documented form"
	}
}
