// Package handout writes the student's copy of the repository for one lab:
// the reference code between solution markers is replaced by its stub.
//
// The one marker syntax of the repository (labs/README.md documents it):
//
//	// BEGIN SOLUTION part-name
//	... reference code, removed ...
//	// STUB
//	// return 0 // TODO(lab): …   ← kept, with the leading "// " removed
//	// END SOLUTION
//
// A block without STUB is removed whole.
package handout

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Markers.
const (
	Begin = "// BEGIN SOLUTION"
	Stub  = "// STUB"
	End   = "// END SOLUTION"
)

// Block is one marked part found in a file.
type Block struct {
	File string
	Part string
	Line int // line of BEGIN, from 1
}

// Strip returns src with every solution block replaced by its stub, and
// the blocks it found. Errors name the file and line of a malformed block.
func Strip(name, src string) (string, []Block, error) {
	var out strings.Builder
	var blocks []Block
	const (
		outside = iota
		inSolution
		inStub
	)
	state := outside
	indent := ""
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	beginLine := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case strings.HasPrefix(trimmed, Begin):
			if state != outside {
				return "", nil, fmt.Errorf("%s:%d: BEGIN SOLUTION inside the block opened at line %d", name, line, beginLine)
			}
			state, beginLine = inSolution, line
			indent = text[:len(text)-len(strings.TrimLeft(text, " \t"))]
			blocks = append(blocks, Block{File: name, Part: strings.TrimSpace(strings.TrimPrefix(trimmed, Begin)), Line: line})
		case trimmed == Stub:
			if state != inSolution {
				return "", nil, fmt.Errorf("%s:%d: STUB outside a solution block", name, line)
			}
			state = inStub
		case trimmed == End:
			if state == outside {
				return "", nil, fmt.Errorf("%s:%d: END SOLUTION without BEGIN", name, line)
			}
			state = outside
		case state == inSolution:
			// reference code: dropped
		case state == inStub:
			body := strings.TrimPrefix(trimmed, "//")
			body = strings.TrimPrefix(body, " ")
			if body == "" {
				out.WriteString("\n")
			} else {
				out.WriteString(indent + body + "\n")
			}
		default:
			out.WriteString(text + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	if state != outside {
		return "", nil, fmt.Errorf("%s:%d: solution block never ends (no END SOLUTION)", name, beginLine)
	}
	return out.String(), blocks, nil
}

// Options says what to write.
type Options struct {
	Repo string // the repository root
	Out  string // the folder to create
	// Strip lists folders (relative to Repo) whose Go files lose their
	// solutions; others are copied as they are.
	Strip []string
}

// skipDirs are never copied into a handout.
var skipDirs = map[string]bool{".git": true, "failures": true, "node_modules": true}

// Write copies the repository to opts.Out with solutions stripped under
// opts.Strip, and returns the blocks it replaced.
func Write(opts Options) ([]Block, error) {
	if _, err := os.Stat(opts.Out); err == nil {
		return nil, fmt.Errorf("%s already exists; choose a new folder", opts.Out)
	}
	var blocks []Block
	err := filepath.WalkDir(opts.Repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(opts.Repo, path)
		if d.IsDir() {
			if skipDirs[d.Name()] || (rel != "." && strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci") {
				return filepath.SkipDir
			}
			if abs, _ := filepath.Abs(path); abs == mustAbs(opts.Out) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(opts.Out, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".go") && under(rel, opts.Strip) {
			text, found, err := Strip(rel, string(data))
			if err != nil {
				return err
			}
			blocks = append(blocks, found...)
			data = []byte(text)
		}
		info, _ := d.Info()
		return os.WriteFile(filepath.Join(opts.Out, rel), data, info.Mode().Perm())
	})
	return blocks, err
}

func under(rel string, dirs []string) bool {
	for _, d := range dirs {
		d = filepath.Clean(d)
		if rel == d || strings.HasPrefix(rel, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
