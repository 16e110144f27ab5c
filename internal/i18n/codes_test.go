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
// Both must be string literals, or this walk could not see them: only the checks of
// internal/domain/input.go, which pass their own literal codes on, are exempt. A ConflictError or
// FieldError literal without a Code would reach pages as an English message, and fails too.
func TestEveryErrorCodeIsTranslated(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, src := range sourceFiles(t, "..") {
		at := func(n ast.Node) string { return src.fset.Position(n.Pos()).String() }
		ast.Inspect(src.file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Problem" && len(n.Args) == 4 {
					code, ok := stringLiteral(n.Args[1])
					switch {
					case ok && code != "":
						ids["problem."+code] = true
					case filepath.ToSlash(src.path) != "../domain/input.go":
						t.Errorf("%s: the code of a problem must be a string literal", at(n))
					}
				}
			case *ast.CompositeLit:
				switch name := typeName(n.Type); name {
				case "ConflictError", "FieldError":
					code, found := codeOf(n)
					switch {
					case found && name == "ConflictError":
						if c, ok := stringLiteral(code); ok && c != "" {
							ids["conflict."+c] = true
						} else {
							t.Errorf("%s: the Code of a ConflictError must be a string literal", at(n))
						}
					case !found && !strings.HasPrefix(filepath.ToSlash(src.path), "../domain/"):
						t.Errorf("%s: a %s without a Code reaches pages as an English message", at(n), name)
					}
				}
			}
			return true
		})
	}
	if len(ids) < 40 {
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

// typeName is the name of a composite literal's type, with or without its package.
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// codeOf returns the value given for Code in a keyed literal, and whether there is one.
func codeOf(lit *ast.CompositeLit) (ast.Expr, bool) {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Code") {
			return kv.Value, true
		}
	}
	return nil, false
}

// sourceFile is a parsed Go file of internal/ with its path.
type sourceFile struct {
	path string
	file *ast.File
	fset *token.FileSet
}

func sourceFiles(t *testing.T, root string) []sourceFile {
	t.Helper()
	var files []sourceFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, sourceFile{path: path, file: f, fset: fset})
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
