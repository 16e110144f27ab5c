package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/i18n"
)

// Every problem and conflict code the code can raise has a text in both catalogs, so a page
// never falls back to the English message meant for developers. The codes are read from the
// source: the code argument of ValidationError.Problem and the Code of a ConflictError literal.
func TestEveryErrorCodeIsTranslated(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, file := range sourceFiles(t, "..") {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Problem" && len(n.Args) == 4 {
					if code, ok := stringLiteral(n.Args[1]); ok {
						ids["problem."+code] = true
					}
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "ConflictError" {
					for _, elt := range n.Elts {
						if kv, ok := elt.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Code") {
							if code, ok := stringLiteral(kv.Value); ok && code != "" {
								ids["conflict."+code] = true
							}
						}
					}
				}
			}
			return true
		})
	}
	if len(ids) < 10 {
		t.Fatalf("found only %d codes in the source; is the walk broken?", len(ids))
	}
	for _, lang := range []string{"de", "en"} {
		known, err := i18n.MessageIDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id := range ids {
			if !slices.Contains(known, id) {
				t.Errorf("%s has no text in the %s catalog", id, lang)
			}
		}
	}
}

func sourceFiles(t *testing.T, root string) []*ast.File {
	t.Helper()
	var files []*ast.File
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func stringLiteral(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
