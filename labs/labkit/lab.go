package labkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// Lab is what a lab's README.md declares in its front matter, the YAML
// between two "---" lines at the top:
//
//	---
//	title: Leader election
//	order: 3
//	solutions: [algorithms/election]
//	needs:
//	  - lab: raft
//	    parts: [election, persistence]
//	    tests: [TestRaftElects, TestRaftPartitions]
//	    why: these tests run your Raft election beside Bully and ZAB
//	---
//
// `distlab handout` strips the solution blocks under Solutions, `distlab
// grade` and the handout's README show the order and the needs, and a
// graded test listed under a need says so when it fails.
type Lab struct {
	Name string `yaml:"-"` // the folder under labs/
	Dir  string `yaml:"-"`
	// Title is the lab's name for people.
	Title string `yaml:"title"`
	// Order is the lab's place in the course (1 first).
	Order int `yaml:"order"`
	// Solutions are the folders (from the repository root) whose solution
	// blocks are this lab's.
	Solutions []string `yaml:"solutions"`
	// Needs are the graded tests that need code beyond this lab's own part.
	Needs []Need `yaml:"needs"`
}

// Need says that some graded tests need parts of a lab (another lab, or
// another part of this one) to pass.
type Need struct {
	Lab   string   `yaml:"lab"`   // "" means this lab
	Parts []string `yaml:"parts"` // solution parts, as named after BEGIN SOLUTION
	Tests []string `yaml:"tests"` // the graded tests that need them
	Why   string   `yaml:"why"`   // one sentence for the student
}

// ReadLab reads the front matter of dir/README.md; the lab is named after
// dir.
func ReadLab(dir string) (*Lab, error) {
	path := filepath.Join(dir, "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	front, ok := frontMatter(data)
	if !ok {
		return nil, fmt.Errorf("%s: no front matter (a YAML block between two --- lines at the top: title, order, solutions, needs)", path)
	}
	lab := &Lab{Dir: dir, Name: filepath.Base(filepath.Clean(dir))}
	if err := yaml.UnmarshalWithOptions(front, lab, yaml.Strict()); err != nil {
		msg := yaml.FormatError(err, false, true)
		if strings.Contains(msg, "unknown field") {
			msg += "\n(valid: title, order, solutions, needs; each need has lab, parts, tests, why)"
		}
		return nil, fmt.Errorf("%s front matter: %s", path, msg)
	}
	switch {
	case lab.Title == "":
		return nil, fmt.Errorf("%s front matter: title is missing", path)
	case lab.Order < 1:
		return nil, fmt.Errorf("%s front matter: order must be 1 or more (the lab's place in the course)", path)
	case len(lab.Solutions) == 0:
		return nil, fmt.Errorf("%s front matter: solutions must name the folders of the lab's solution blocks", path)
	}
	for i, n := range lab.Needs {
		if len(n.Parts) == 0 || len(n.Tests) == 0 {
			return nil, fmt.Errorf("%s front matter: needs[%d] must list parts and tests", path, i)
		}
	}
	return lab, nil
}

// frontMatter returns the YAML between a first line "---" and the next.
func frontMatter(data []byte) ([]byte, bool) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, false
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		return nil, false
	}
	return rest[:end+1], true
}

// Labs reads every lab under root/labs (each folder with a README.md,
// labkit aside), in course order.
func Labs(root string) ([]*Lab, error) {
	entries, err := os.ReadDir(filepath.Join(root, "labs"))
	if err != nil {
		return nil, fmt.Errorf("no labs folder under %s (run distlab from the repository root)", root)
	}
	var labs []*Lab
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "labkit" {
			continue
		}
		dir := filepath.Join(root, "labs", e.Name())
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
			continue
		}
		lab, err := ReadLab(dir)
		if err != nil {
			return nil, err
		}
		labs = append(labs, lab)
	}
	slices.SortStableFunc(labs, func(a, b *Lab) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := 1; i < len(labs); i++ {
		if labs[i].Order == labs[i-1].Order {
			return nil, fmt.Errorf("labs %s and %s both have order %d", labs[i-1].Name, labs[i].Name, labs[i].Order)
		}
	}
	for _, l := range labs {
		for _, n := range l.Needs {
			if n.Lab != "" && !slices.ContainsFunc(labs, func(o *Lab) bool { return o.Name == n.Lab }) {
				return nil, fmt.Errorf("%s front matter: needs lab %q, which does not exist", filepath.Join(l.Dir, "README.md"), n.Lab)
			}
		}
	}
	return labs, nil
}

// NeedsOf lists the needs of one graded test.
func (l *Lab) NeedsOf(test string) []Need {
	var out []Need
	for _, n := range l.Needs {
		if slices.Contains(n.Tests, test) {
			out = append(out, n)
		}
	}
	return out
}

// Explain says, for a student whose test failed, what else the test needs.
func (n Need) Explain(self string) string {
	parts := strings.Join(n.Parts, ", ")
	what := fmt.Sprintf("part(s) %s of this lab", parts)
	if n.Lab != "" && n.Lab != self {
		what = fmt.Sprintf("lab %s's part(s) %s", n.Lab, parts)
	}
	text := fmt.Sprintf("this test also needs %s", what)
	if n.Why != "" {
		text += ": " + n.Why
	}
	return text + ". Until those parts are done this test fails, whatever the rest of your code does."
}
