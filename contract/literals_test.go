package contract_test

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

	"github.com/stretchr/testify/assert"

	"distlab/algorithms"
	"distlab/contract"
)

// contracts gathers every contract some registered algorithm speaks.
func contracts() []*contract.Contract {
	var out []*contract.Contract
	for _, s := range algorithms.All() {
		for _, c := range s.Contracts {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Mark names and group names are written once, in the contract packages.
// This walks every non-test Go file outside contract/ and fails on:
//   - a Mark call whose name is a string literal (use the contract's Mark);
//   - a comparison of an event's Name with a literal mark name;
//   - a literal node-group name ("server", "client").
func TestContractWordsAreWrittenOnce(t *testing.T) {
	marks := map[string]bool{}
	all := contracts()
	assert.GreaterOrEqual(t, len(all), 5, "election, mutex, clocks, kv, demo at least")
	for _, c := range all {
		for _, m := range c.Marks {
			marks[m.Name] = true
		}
	}
	groups := map[string]bool{contract.ServerGroup: true, contract.ClientGroup: true}
	root := filepath.Join("..")
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "contract", "testdata", ".git":
				if path != root {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Mark" && len(x.Args) == 2 {
					if lit, ok := x.Args[0].(*ast.BasicLit); ok {
						t.Errorf("%s: Mark(%s, …) names a mark by a literal: record it through its contract's Mark", fset.Position(lit.Pos()), lit.Value)
					}
				}
			case *ast.BinaryExpr:
				if x.Op != token.EQL && x.Op != token.NEQ {
					return true
				}
				for _, pair := range [][2]ast.Expr{{x.X, x.Y}, {x.Y, x.X}} {
					sel, ok := pair[0].(*ast.SelectorExpr)
					lit, isLit := pair[1].(*ast.BasicLit)
					if ok && isLit && sel.Sel.Name == "Name" && lit.Kind == token.STRING {
						if s, _ := strconv.Unquote(lit.Value); marks[s] {
							t.Errorf("%s: compares a Name with the mark name %s: use the contract's Mark.Is", fset.Position(lit.Pos()), lit.Value)
						}
					}
				}
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					if s, _ := strconv.Unquote(x.Value); groups[s] {
						t.Errorf("%s: the group name %s is written out: use contract.ServerGroup or contract.ClientGroup", fset.Position(x.Pos()), x.Value)
					}
				}
			}
			return true
		})
		return nil
	})
	assert.NoError(t, err)
	assert.Greater(t, files, 50, "the walk found the source")
}
