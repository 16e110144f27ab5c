package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// storableEverywhere reports the first string reachable from v that PostgreSQL cannot store, and
// whether a list in it is nil (which would be stored as NULL).
func storableEverywhere(v reflect.Value, path string) (problem string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return storableEverywhere(v.Elem(), path)
		}
	case reflect.String:
		if !domain.Storable(v.String()) {
			return path + ": " + v.String()
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // raw JSON
			if !json.Valid(v.Bytes()) && v.Len() > 0 {
				return path + ": invalid JSON"
			}
			var decoded any
			if json.Unmarshal(v.Bytes(), &decoded) == nil {
				return storableEverywhere(reflect.ValueOf(decoded), path)
			}
			return ""
		}
		for i := range v.Len() {
			if p := storableEverywhere(v.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if p := storableEverywhere(k, path+".key"); p != "" {
				return p
			}
			if p := storableEverywhere(v.MapIndex(k), path+"."+k.String()); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if p := storableEverywhere(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// FuzzDecodeJSON feeds any body to the JSON decoder with a target of every kind the API takes:
// it answers malformed (400) or names fields (422), never anything else, and what it lets
// through holds only text PostgreSQL can store, and lists, not nulls.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"title": "Digitale Kommune", "hosts": ["ÖFIT", "KGSt"], "capacity": 30, "starts_at": "2027-03-04T17:00:00+01:00"}`,
		`{"hosts": null, "questions": null, "answers": null}`,
		`{"title": "a\u0000b"}`, `{"hosts": ["x", "\u0000"]}`, `{"answers": {"amt": "\u0000", "\u0000": "x"}}`,
		`{"questions": [{"key": "k", "label": "L\u0000", "options": ["a", null]}]}`,
		"{\"title\": \"K\xf6ln\"}", `{"starts_at": "9999-12-31T20:00:00-14:00"}`, `{"title": "\ud800"}`,
		`[]`, `null`, ``, `{"title": 1}`, `{"capacity": "viele"}`, `{"unknown": true}`, `{"title": "x",`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var (
			title     string
			hosts     []string
			capacity  *int
			startsAt  *time.Time
			published bool
			questions []event.Question
			answers   map[string]json.RawMessage
		)
		targets := map[string]any{"title": &title, "hosts": &hosts, "capacity": &capacity, "starts_at": &startsAt,
			"published": &published, "questions": &questions, "answers": &answers}
		obj, err := parseObject(body)
		if err == nil {
			err = decodeFields(obj, targets)
		}
		var malformed *malformedError
		var invalid *domain.ValidationError
		switch {
		case errors.As(err, &malformed):
			return
		case errors.As(err, &invalid):
			if len(invalid.Fields) == 0 {
				t.Fatal("a validation error without fields")
			}
			return
		case err != nil:
			t.Fatalf("an error that is neither 400 nor 422: %v", err)
		}
		for name, target := range targets {
			if _, sent := obj[name]; !sent {
				continue
			}
			if p := storableEverywhere(reflect.ValueOf(target), name); p != "" {
				t.Fatalf("decoded text PostgreSQL cannot store: %q", p)
			}
		}
		if _, sent := obj["hosts"]; sent && hosts == nil {
			t.Fatal("hosts decoded as nil")
		}
		if _, sent := obj["questions"]; sent && questions == nil {
			t.Fatal("questions decoded as nil")
		}
	})
}

// FuzzRequestText sends any query and form through the real middleware: text PostgreSQL cannot
// store is a 400 problem, everything else reaches the handler intact; nothing is a 500.
func FuzzRequestText(f *testing.F) {
	for _, seed := range [][2]string{
		{"past=true", "name=Erika+Mustermann&email=erika%40example.org&consent=on"},
		{"q=%FF", "name=K%F6ln"}, {"status=%00", "answers.amt=%00"}, {"a=%zz", "b=%"}, {"", "%FF=x"},
		{"lang=en&lang=%C3", "text=Warum+%E2%80%A6%3F"}, {";", "a=1;b=2"},
	} {
		f.Add(seed[0], seed[1])
	}
	base, _ := url.Parse("http://podium.test")
	s, err := New(dbtest.New(f), &config.Config{BaseURL: base}, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		f.Fatal(err)
	}
	var reached url.Values
	s.engine.POST("/fuzz/:slug", func(c *gin.Context) {
		reached = url.Values{}
		for k, v := range c.Request.URL.Query() {
			reached[k] = v
		}
		for k, v := range c.Request.PostForm {
			reached[k] = append(reached[k], v...)
		}
		reached["slug"] = []string{c.Param("slug")}
		c.Status(http.StatusNoContent)
	})
	f.Fuzz(func(t *testing.T, query, form string) {
		reached = nil
		req := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(form))
		req.URL.Path, req.URL.RawQuery = "/fuzz/fest", query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusNoContent:
			if p := storableEverywhere(reflect.ValueOf(reached), "request"); p != "" {
				t.Fatalf("the handler got text PostgreSQL cannot store: %q", p)
			}
		case http.StatusBadRequest:
			if reached != nil {
				t.Fatal("a refused request reached the handler")
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}
