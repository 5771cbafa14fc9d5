package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

// distlabNote heads the repository's own README in a handout, where it
// becomes DISTLAB.md.
const distlabNote = `> **In your copy** this is the reference repository's README, kept for its
> tour of the tool. Your labs are described in [README.md](README.md): until
> you have finished every lab, ` + "`go test ./...`" + ` fails in the places listed
> there.

`

// readmeLab is one row of the student README's lab table.
type readmeLab struct {
	*labkit.Lab
	Parts    []string // the solution parts the student writes
	Stripped bool     // handed out with stubs (false: the reference is given)
	Needs    []string // sentences: which tests need what else
}

var studentReadmeTmpl = template.Must(template.New("readme").Parse(`# distlab — the course labs

This is your copy of distlab, a deterministic distributed-systems lab: a
simulated network runs the classic algorithms under partitions, crashes,
loss and clock skew; every run is a trace that checkers judge and a
visualizer replays. The simulator, the checkers, the visualizer and the
scenario library are complete. The parts of the algorithms you write are
stubs marked ` + "`TODO(lab …)`" + `; each lab's README says what they must do.

## Start

With Go 1.26 (modules download on first use):

` + "```sh" + `
go run ./cmd/distlab run scenarios/mutex/central.yaml   # a complete algorithm: run it, read the summary
go run ./cmd/distlab tui scenarios/mutex/central.yaml   # the same run in the visualizer (? for keys)
go install ./cmd/distlab                                # optional: then type distlab instead of go run ./cmd/distlab
` + "```" + `

## The labs, in order
{{range .Labs}}
### {{.Order}}. {{.Title}} — [labs/{{.Name}}](labs/{{.Name}}/README.md)
{{if .Stripped}}
You write: {{range $i, $p := .Parts}}{{if $i}}, {{end}}` + "`{{$p}}`" + `{{end}} (in {{range $i, $s := .Solutions}}{{if $i}}, {{end}}` + "`{{$s}}`" + `{{end}}).
{{else}}
Not handed out in this copy: its code is the reference, already complete.
{{end}}
` + "```sh" + `
go test ./labs/{{.Name}}
` + "```" + `
{{if .Needs}}
{{range .Needs}}- {{.}}
{{end}}{{end}}{{end}}
## Grading yourself

` + "```sh" + `
go test ./labs/clocks                        # one lab: each test prints its points
go run ./cmd/distlab grade                   # every lab, with the points table and each lab's needs
DISTLAB_SEEDS=5000 go test ./labs/mutex      # more random seeds before you hand in
DISTLAB_SEED=75 go test ./labs/raft -run '^TestKV$'   # rerun exactly the seed a failure named
` + "```" + `

A failing sweep prints its lowest failing seed, the check's finding, a
replay file (in a temporary folder it names; ` + "`DISTLAB_ARTIFACTS=DIR`" + `
chooses it) and the two commands that rerun it and show it in the
visualizer.

## What fails until which lab is done

- A lab's graded tests fail until its parts are done; the tests listed
  under a lab above also need the parts named there, and say so when they
  fail.
- Outside ` + "`labs/`" + `, the repository's own tests run the reference
  algorithms, so they fail where they use code you have not written yet:
{{range .Packages}}  - {{.}}
{{end}}- ` + "`go test ./...`" + ` passes when every lab is done.

## The tool

[DISTLAB.md](DISTLAB.md) is the tool's own README (commands, the
visualizer, how it fits together); [scenarios/FORMAT.md](scenarios/FORMAT.md)
is the scenario format, and ` + "`go run ./cmd/distlab describe NAME`" + ` prints
every parameter, workload field and check option of an algorithm or a
check; [tui/README.md](tui/README.md) is the visualizer's manual.
`))

// studentReadme writes the handout's README.md: the labs in course order
// with their parts and needs, and what fails until which lab is done.
func studentReadme(labs, chosen []*labkit.Lab, files []string) ([]byte, error) {
	var rows []readmeLab
	for _, l := range labs {
		blocks, err := handout.Scan(".", files, l.Solutions)
		if err != nil {
			return nil, err
		}
		row := readmeLab{Lab: l, Stripped: slices.Contains(chosen, l)}
		for _, b := range blocks {
			if !slices.Contains(row.Parts, b.Part) {
				row.Parts = append(row.Parts, b.Part)
			}
		}
		for _, n := range l.Needs {
			line := needText(l, n)
			if n.Why != "" {
				line += ": " + n.Why
			}
			row.Needs = append(row.Needs, line+".")
		}
		rows = append(rows, row)
	}
	packages, err := packagesNeedingLabs(labs, files)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = studentReadmeTmpl.Execute(&buf, map[string]any{"Labs": rows, "Packages": packages})
	return buf.Bytes(), err
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// packagesNeedingLabs describes the packages outside labs/ whose tests
// use lab code (directly or through other packages), in course order of
// the labs.
func packagesNeedingLabs(labs []*labkit.Lab, files []string) ([]string, error) {
	module, err := modulePath(".")
	if err != nil {
		return nil, err
	}
	var folders []string
	owner := map[string]string{}
	for _, l := range labs {
		for _, s := range l.Solutions {
			folders = append(folders, s)
			owner[s] = l.Name
		}
	}
	uses, err := handout.Users(".", module, files, folders)
	if err != nil {
		return nil, err
	}
	tested := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			tested[path.Dir(f)] = true
		}
	}
	var out []string
	for _, dir := range sortedKeys(uses) {
		if !tested[dir] || dir == "labs" || strings.HasPrefix(dir, "labs/") {
			continue
		}
		var names []string
		for _, l := range labs {
			for _, f := range uses[dir] {
				if owner[f] == l.Name && !slices.Contains(names, l.Name) {
					names = append(names, l.Name)
				}
			}
		}
		out = append(out, fmt.Sprintf("`%s` until %s %s", dir, map[bool]string{true: "lab", false: "labs"}[len(names) == 1], strings.Join(names, ", ")))
	}
	return out, nil
}

// modulePath reads the module path from root/go.mod.
func modulePath(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("go.mod names no module")
}
