package mutate

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Mutant is one classic wrong solution of a lab.
type Mutant struct {
	Lab  string // the lab folder under labs/
	Name string // the file name without .patch
	File string // the patch file, relative to the repository, slash-separated
	// Part is the solution part (or the given code) the mistake is in.
	Part string
	// CaughtBy is the test expected to catch it; it runs first.
	CaughtBy string
	// Equivalent says why no test can tell the mutant from the reference;
	// empty for a mutant that must be caught.
	Equivalent  string
	Description string
	// Diff is the unified diff; Targets the files it changes (relative to
	// the repository, slash-separated).
	Diff    []byte
	Targets []string
}

// ID names the mutant as lab/name.
func (m *Mutant) ID() string { return m.Lab + "/" + m.Name }

// Dir is where a lab keeps its mutants.
func Dir(lab string) string { return path.Join("labs", lab, "mutants") }

// headers are the header names a mutant file may use.
var headers = []string{"Part", "Caught-by", "Equivalent"}

// Parse reads a mutant file. file is its path relative to the repository
// (labs/<lab>/mutants/<name>.patch); errors name it and the line.
func Parse(file string, data []byte) (*Mutant, error) {
	file = filepath.ToSlash(file)
	parts := strings.Split(file, "/")
	if len(parts) != 4 || parts[0] != "labs" || parts[2] != "mutants" || !strings.HasSuffix(parts[3], ".patch") {
		return nil, fmt.Errorf("%s: a mutant lives in labs/<lab>/mutants/<name>.patch", file)
	}
	m := &Mutant{Lab: parts[1], Name: strings.TrimSuffix(parts[3], ".patch"), File: file}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	inHeader := true
	var desc []string
	diffAt := -1
	offset := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "diff --git ") || strings.HasPrefix(text, "--- ") {
			diffAt = offset
			break
		}
		offset += len(sc.Bytes()) + 1
		if inHeader {
			if strings.TrimSpace(text) == "" {
				inHeader = false
				continue
			}
			key, value, ok := strings.Cut(text, ":")
			if !ok || !slices.Contains(headers, key) {
				return nil, fmt.Errorf("%s:%d: a header line is `Name: value` with Name one of %s (then a blank line, the description and the diff)", file, line, strings.Join(headers, ", "))
			}
			value = strings.TrimSpace(value)
			switch key {
			case "Part":
				m.Part = value
			case "Caught-by":
				m.CaughtBy = value
			case "Equivalent":
				m.Equivalent = value
			}
			continue
		}
		desc = append(desc, text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if diffAt < 0 {
		return nil, fmt.Errorf("%s: no diff (the code change starts with a `diff --git` or `--- a/…` line, as git diff prints it)", file)
	}
	if m.Part == "" {
		return nil, fmt.Errorf("%s:1: the header Part: is missing (the solution part the mistake is in)", file)
	}
	m.Description = strings.TrimSpace(strings.Join(desc, "\n"))
	if m.Description == "" {
		return nil, fmt.Errorf("%s: no description between the headers and the diff: say what the mistake is", file)
	}
	m.Diff = data[diffAt:]
	for _, l := range strings.Split(string(m.Diff), "\n") {
		if t, ok := strings.CutPrefix(l, "+++ "); ok {
			t = strings.TrimSpace(t)
			if i := strings.IndexByte(t, '\t'); i >= 0 {
				t = t[:i]
			}
			if t == "/dev/null" {
				return nil, fmt.Errorf("%s: a mutant changes files, it does not delete them", file)
			}
			t = strings.TrimPrefix(t, "b/")
			if strings.HasPrefix(t, "/") || strings.Contains(t, "..") {
				return nil, fmt.Errorf("%s: %q is not a path inside the repository", file, t)
			}
			if !slices.Contains(m.Targets, t) {
				m.Targets = append(m.Targets, t)
			}
		}
	}
	if len(m.Targets) == 0 {
		return nil, fmt.Errorf("%s: the diff changes no file (no +++ line)", file)
	}
	return m, nil
}

// Find lists the mutants of the labs named (every lab under repo/labs when
// none is), sorted by lab and name.
func Find(repo string, labs ...string) ([]*Mutant, error) {
	if len(labs) == 0 {
		entries, err := os.ReadDir(filepath.Join(repo, "labs"))
		if err != nil {
			return nil, fmt.Errorf("no labs folder in %s: %w", repo, err)
		}
		for _, e := range entries {
			if e.IsDir() {
				labs = append(labs, e.Name())
			}
		}
	}
	var out []*Mutant
	for _, lab := range labs {
		if _, err := os.Stat(filepath.Join(repo, "labs", lab)); err != nil {
			return nil, fmt.Errorf("no lab %q in %s", lab, filepath.Join(repo, "labs"))
		}
		files, err := filepath.Glob(filepath.Join(repo, filepath.FromSlash(Dir(lab)), "*.patch"))
		if err != nil {
			return nil, err
		}
		slices.Sort(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			rel, err := filepath.Rel(repo, f)
			if err != nil {
				return nil, err
			}
			m, err := Parse(rel, data)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}
