// Package handout writes the student's copy of the repository: the files
// git tracks, with the reference code between solution markers replaced by
// its stub in the folders of the labs handed out.
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
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
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
	// Reference and Stub are the block's lines (Stub without the leading
	// "// "), for tests that prove what a handout leaves out.
	Reference, Stub []string `json:"-"`
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
			blocks[len(blocks)-1].Reference = append(blocks[len(blocks)-1].Reference, text)
		case state == inStub:
			body := strings.TrimPrefix(trimmed, "//")
			body = strings.TrimPrefix(body, " ")
			blocks[len(blocks)-1].Stub = append(blocks[len(blocks)-1].Stub, body)
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
	Out  string // the folder to create; it must not exist
	// Strip lists folders (relative to Repo, slash-separated) whose Go
	// files lose their solutions; other files are copied as they are.
	Strip []string
	// Files are the files to copy, relative to Repo and slash-separated;
	// nil means the files git tracks (TrackedFiles), so that nothing a
	// teacher did not put under version control (a binary built from the
	// reference, an out/ folder) reaches the students.
	Files []string
	// Replace gives the content of files written instead of the
	// repository's (the student's README.md); a file not in Files is added.
	Replace map[string][]byte
}

// TrackedFiles lists the files git tracks in repo (relative, slash-separated,
// sorted), without those deleted from the work tree.
func TrackedFiles(repo string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached")
	cmd.Dir = repo
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("a handout copies the files git tracks, and git ls-files failed in %s (%v): %s", repo, err, strings.TrimSpace(stderr.String()))
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(repo, filepath.FromSlash(f))); err != nil {
			continue // deleted in the work tree, not yet committed
		}
		if TeacherOnly(f) {
			continue
		}
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}

// TeacherOnly reports whether a tracked file never goes to students: a
// lab's wrong solutions (labs/<lab>/mutants/, labs/<lab>/MUTANTS.md) show
// the reference code in their diffs, and a CPU profile for the compiler
// (default.pgo) names the reference solutions' functions and lines.
func TeacherOnly(rel string) bool {
	if path.Ext(rel) == ".pgo" {
		return true
	}
	parts := strings.Split(rel, "/")
	if len(parts) < 3 || parts[0] != "labs" {
		return false
	}
	return parts[2] == "mutants" || (len(parts) == 3 && parts[2] == "MUTANTS.md")
}

// Write copies the files to opts.Out with solutions stripped under
// opts.Strip, and returns the blocks it replaced, in file order.
func Write(opts Options) ([]Block, error) {
	if _, err := os.Lstat(opts.Out); err == nil {
		return nil, fmt.Errorf("%s already exists; choose a new folder", opts.Out)
	}
	files := opts.Files
	if files == nil {
		var err error
		if files, err = TrackedFiles(opts.Repo); err != nil {
			return nil, err
		}
	}
	var blocks []Block
	for _, rel := range files {
		dst := filepath.Join(opts.Out, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if data, ok := opts.Replace[rel]; ok {
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				return nil, err
			}
			continue
		}
		src := filepath.Join(opts.Repo, filepath.FromSlash(rel))
		info, err := os.Lstat(src)
		if err != nil {
			return nil, err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err != nil {
				return nil, err
			}
			if err := os.Symlink(target, dst); err != nil {
				return nil, err
			}
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(rel, ".go") && under(rel, opts.Strip) {
			text, found, err := Strip(rel, string(data))
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, found...)
			data = []byte(text)
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			return nil, err
		}
	}
	for _, rel := range sortedKeys(opts.Replace) {
		dst := filepath.Join(opts.Out, filepath.FromSlash(rel))
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, opts.Replace[rel], 0o644); err != nil {
			return nil, err
		}
	}
	return blocks, nil
}

// Scan lists the solution blocks of the Go files under dirs (relative to
// repo) without writing anything: the parts a lab hands out.
func Scan(repo string, files, dirs []string) ([]Block, error) {
	var blocks []Block
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".go") || !under(rel, dirs) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		_, found, err := Strip(rel, string(data))
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, found...)
	}
	return blocks, nil
}

func under(rel string, dirs []string) bool {
	for _, d := range dirs {
		d = path.Clean(filepath.ToSlash(d))
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// OverlayOptions say what Go code the go command should see.
type OverlayOptions struct {
	Repo  string   // the repository the go command runs in
	Files []string // the files git tracks there; Go files not among them are hidden
	Dir   string   // where to write the overlay and the stripped files
	// Strip lists folders whose Go files are replaced by their stripped
	// text: what a handout holds.
	Strip []string
	// Submission, when set, is a student's repository: the Go files under
	// Take are the submission's instead of the repository's (those it does
	// not have are hidden, those it adds are added).
	Submission string
	Take       []string
}

// Overlay makes the go command, run in o.Repo with -overlay=FILE, see the
// Go code of a handout (o.Strip) or of a student's submission graded
// against the teacher's tests (o.Submission): it returns FILE and the
// blocks stripped. Building this way reuses the build cache of the
// repository itself, where a copy elsewhere would compile everything again.
func Overlay(o OverlayOptions) (string, []Block, error) {
	root, err := filepath.Abs(o.Repo)
	if err != nil {
		return "", nil, err
	}
	replace := map[string]string{}
	tracked := map[string]bool{}
	var blocks []Block
	for i, rel := range o.Files {
		tracked[rel] = true
		if !strings.HasSuffix(rel, ".go") || !under(rel, o.Strip) || (o.Submission != "" && under(rel, o.Take)) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return "", nil, err
		}
		text, found, err := Strip(rel, string(data))
		if err != nil {
			return "", nil, err
		}
		blocks = append(blocks, found...)
		out := filepath.Join(o.Dir, fmt.Sprintf("%d-%s", i, filepath.Base(rel)))
		if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
			return "", nil, err
		}
		replace[filepath.Join(root, filepath.FromSlash(rel))] = out
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		hide := !tracked[rel] || (o.Submission != "" && under(rel, o.Take))
		if strings.HasSuffix(path, ".go") && hide {
			replace[path] = "" // not in the handout, or not in the submission
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if o.Submission != "" {
		sub, err := filepath.Abs(o.Submission)
		if err != nil {
			return "", nil, err
		}
		for _, take := range o.Take {
			err := filepath.WalkDir(filepath.Join(sub, filepath.FromSlash(take)), func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && strings.HasSuffix(path, ".go") {
					rel, _ := filepath.Rel(sub, path)
					replace[filepath.Join(root, rel)] = path
				}
				return nil
			})
			if err != nil {
				return "", nil, fmt.Errorf("the submission %s: %w", o.Submission, err)
			}
		}
	}
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(o.Dir, "overlay.json")
	return path, blocks, os.WriteFile(path, data, 0o644)
}

// Users finds, for each package folder (slash-separated, from the
// repository root), which of the given folders its code or its tests use,
// directly or through other packages of the module: a package whose tests
// use a lab's stubbed code may fail until that lab is done. module is the
// module path (go.mod's); files are the repository's files.
func Users(repo, module string, files []string, folders []string) (map[string][]string, error) {
	imports := map[string]map[string]bool{} // package folder → module folders it imports
	fset := token.NewFileSet()
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(repo, filepath.FromSlash(rel)), nil, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		dir := path.Dir(rel)
		if imports[dir] == nil {
			imports[dir] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if p == module {
				imports[dir]["."] = true
			} else if strings.HasPrefix(p, module+"/") {
				imports[dir][strings.TrimPrefix(p, module+"/")] = true
			}
		}
	}
	uses := map[string][]string{}
	for dir := range imports {
		seen := map[string]bool{dir: true}
		queue := []string{dir}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			for imp := range imports[d] {
				if !seen[imp] {
					seen[imp] = true
					queue = append(queue, imp)
				}
			}
		}
		for _, folder := range folders {
			for d := range seen {
				if under(d, []string{folder}) {
					uses[dir] = append(uses[dir], folder)
					break
				}
			}
		}
	}
	return uses, nil
}
