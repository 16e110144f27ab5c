package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/i18n"
)

// actionName is the shape of an audited action: "question.moderated".
var actionName = regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)

// Every action the code audits, and every change an entry of it may note, is worded in both
// catalogs, so that the dashboards say what happened instead of showing a code; so is what the
// dashboard says after each of its forms. The actions are read from the source: the argument of
// each s.audited call, or, where a function passes a variable (the dashboard's table of forms),
// the action names written in that function.
func TestEveryAuditedActionHasWords(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	actions, forms := map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			var literals []string
			indirect := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if s, err := strconv.Unquote(n.Value); n.Kind == token.STRING && err == nil && actionName.MatchString(s) {
						literals = append(literals, s)
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "audited" && len(n.Args) == 1 {
						if lit, ok := n.Args[0].(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(lit.Value)
							actions[s] = true
						} else {
							indirect = true
						}
					}
				}
				return true
			})
			if indirect {
				if len(literals) == 0 {
					t.Errorf("%s: %s audits actions whose names this test cannot see", name, fn.Name.Name)
				}
				for _, s := range literals {
					actions[s], forms[s] = true, true
				}
			}
		}
	}
	for _, want := range []string{"question.moderated", "event.published", "attendees.exported", "followup.sent"} {
		if !actions[want] {
			t.Fatalf("the walk found no %s among %d actions; is it broken?", want, len(actions))
		}
	}
	for action := range auditChanges {
		if !actions[action] {
			t.Errorf("auditChanges words %s, which nothing audits", action)
		}
	}
	for _, lang := range i18n.Languages {
		known, err := i18n.MessageIDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for action := range actions {
			if !slices.Contains(known, "audit."+action) {
				t.Errorf("audit.%s has no text in the %s catalog", action, lang)
			}
			if forms[action] && !slices.Contains(known, "admin.done."+action) {
				t.Errorf("admin.done.%s has no text in the %s catalog", action, lang)
			}
			for _, change := range auditChanges[action] {
				if !slices.Contains(known, "audit."+action+"."+change) {
					t.Errorf("audit.%s.%s has no text in the %s catalog", action, change, lang)
				}
			}
		}
	}
}

// Every kind of mail has a name in both catalogs, for the dashboard's list of failed mail. The
// kinds are the constants Kind… of package outbox.
func TestEveryMailKindHasWords(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "../outbox/outbox.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ast.Inspect(f, func(n ast.Node) bool {
		if spec, ok := n.(*ast.ValueSpec); ok && len(spec.Names) == 1 && strings.HasPrefix(spec.Names[0].Name, "Kind") && len(spec.Values) == 1 {
			if lit, ok := spec.Values[0].(*ast.BasicLit); ok {
				kind, _ := strconv.Unquote(lit.Value)
				kinds = append(kinds, kind)
			}
		}
		return true
	})
	if !slices.Contains(kinds, "reminder") || !slices.Contains(kinds, "updated") {
		t.Fatalf("found the kinds %v; is the walk broken?", kinds)
	}
	for _, lang := range i18n.Languages {
		known, err := i18n.MessageIDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range kinds {
			if !slices.Contains(known, "admin.mail.kind."+kind) {
				t.Errorf("admin.mail.kind.%s has no text in the %s catalog", kind, lang)
			}
		}
	}
}
