package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"time"
	"unicode/utf8"

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
		return nil, &malformedError{detail: "unable to read the request body"}
	}
	return parseObject(body)
}

// parseObject is readObject for a body that has been read.
func parseObject(body []byte) (map[string]json.RawMessage, error) {
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD, changing what was sent.
	if !utf8.Valid(body) {
		return nil, &malformedError{detail: "the request body is not valid UTF-8"}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, &malformedError{detail: "the request body is empty; send a JSON object"}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, &malformedError{detail: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err)}
		}
		return nil, &malformedError{detail: "the request body must be a JSON object"}
	}
	return obj, nil
}

// decodeFields decodes each present field of obj into the pointer that targets names for it.
// Unknown fields, values of the wrong type and text PostgreSQL cannot store (NUL, anywhere in
// the value) are reported by field name. A list sent as null becomes an empty list.
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
			v.Problem(name, "unknown_field", nil, "unknown field")
			continue
		}
		if !storableJSON(v, name, obj[name]) {
			continue
		}
		if err := json.Unmarshal(obj[name], target); err != nil {
			wrongType(v, name, target)
			continue
		}
		// A list that is null becomes empty; raw JSON (a byte slice) keeps its null for its reader.
		if list := reflect.ValueOf(target).Elem(); list.Kind() == reflect.Slice && list.Type().Elem().Kind() != reflect.Uint8 && list.IsNil() {
			list.Set(reflect.MakeSlice(list.Type(), 0, 0))
		}
	}
	return v.OrNil()
}

// storableJSON reports on v, by the path of the value (hosts[1], answers.amt), every string or
// key in raw that PostgreSQL cannot store: JSON can carry NUL as \u0000, PostgreSQL's text cannot.
func storableJSON(v *domain.ValidationError, field string, raw json.RawMessage) bool {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return true // the only way a NUL gets into valid JSON
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return true // decoding it into its target reports that
	}
	ok := true
	var walk func(path string, value any)
	walk = func(path string, value any) {
		switch value := value.(type) {
		case string:
			if domain.Storable(value) {
				return
			}
			if !v.Has(path) {
				v.Problem(path, "control_characters", nil, "must not contain the character NUL (\\u0000)")
			}
			ok = false
		case []any:
			for i, item := range value {
				walk(fmt.Sprintf("%s[%d]", path, i), item)
			}
		case map[string]any:
			keys := make([]string, 0, len(value))
			for key := range value {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			for _, key := range keys {
				walk(path+"."+key, key)
				walk(path+"."+key, value[key])
			}
		}
	}
	walk(field, value)
	return ok
}

// wrongType records that the value of field is not the JSON its target accepts, naming that JSON.
func wrongType(v *domain.ValidationError, field string, target any) {
	switch target.(type) {
	case *string:
		v.Problem(field, "not_string", nil, "must be a string")
	case *bool:
		v.Problem(field, "not_boolean", nil, "must be true or false")
	case *int, **int:
		v.Problem(field, "not_integer", nil, "must be a whole number")
	case *time.Time, **time.Time:
		v.Problem(field, "invalid_datetime", nil, "must be a time in RFC 3339 form, such as 2020-10-29T17:00:00+01:00")
	case *[]string:
		v.Problem(field, "not_string_list", nil, "must be a list of strings")
	case *[]event.Question:
		v.Problem(field, "invalid_format", nil, `must be a list of objects {"key", "label", "kind", "options", "required"}`)
	default:
		v.Problem(field, "invalid_format", nil, "must be of the documented form")
	}
}

// readFields reads the request's JSON object into fields, as readObject and decodeFields do.
func readFields(c *gin.Context, fields map[string]any) error {
	obj, err := readObject(c)
	if err != nil {
		return err
	}
	return decodeFields(obj, fields)
}
