package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

func init() { extraCommands = append(extraCommands, handoutCmd, gradeCmd) }

// readLabs reads every lab's front matter, in course order.
func readLabs(root string) ([]*labkit.Lab, error) {
	labs, err := labkit.Labs(root)
	if err != nil {
		return nil, err
	}
	if len(labs) == 0 {
		return nil, fmt.Errorf("no labs under %s/labs", root)
	}
	return labs, nil
}

// labName accepts a lab's name or its folder (./labs/raft/).
func labName(arg string) string {
	if strings.Contains(arg, "/") {
		return filepath.Base(filepath.Clean(arg))
	}
	return arg
}

// pickLabs returns the labs named in args (all when none), in course
// order; an unknown name lists the valid ones.
func pickLabs(all []*labkit.Lab, args []string) ([]*labkit.Lab, error) {
	if len(args) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, a := range args {
		name := labName(a)
		if !slices.ContainsFunc(all, func(l *labkit.Lab) bool { return l.Name == name }) {
			names := make([]string, len(all))
			for i, l := range all {
				names[i] = l.Name
			}
			return nil, fmt.Errorf("unknown lab %q (valid: %s)", name, strings.Join(names, ", "))
		}
		want[name] = true
	}
	var out []*labkit.Lab
	for _, l := range all {
		if want[l.Name] {
			out = append(out, l)
		}
	}
	return out, nil
}

func handoutCmd() *cobra.Command {
	var (
		out string
		all bool
	)
	cmd := &cobra.Command{
		Use:   "handout [LAB...] -o DIR",
		Short: "write the students' copy of the repository: every lab's solutions (or the named labs') replaced by stubs",
		Long: `Writes the files git tracks (nothing ignored or never added: no binary built
from the reference, no out/ folder) to a new folder, with the solution blocks
of every lab replaced by their stubs: one student repository for the whole
course. Name labs (handout mutex raft) to strip only theirs. The copy's
README.md is the students' (the labs in order, what each needs, how to grade
yourself); the repository's own README becomes DISTLAB.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			labs, err := readLabs(".")
			if err != nil {
				return badInput(err)
			}
			if all && len(args) > 0 {
				return badInput(fmt.Errorf("--all and lab names exclude each other"))
			}
			chosen, err := pickLabs(labs, args)
			if err != nil {
				return badInput(err)
			}
			if out == "" {
				return badInput(fmt.Errorf("say where to write the handout: -o DIR (a folder that does not exist yet)"))
			}
			files, err := handout.TrackedFiles(".")
			if err != nil {
				return badInput(err)
			}
			var dirs []string
			for _, l := range chosen {
				dirs = append(dirs, l.Solutions...)
			}
			readme, err := studentReadme(labs, chosen, files)
			if err != nil {
				return badInput(err)
			}
			original, err := os.ReadFile("README.md")
			if err != nil {
				return badInput(err)
			}
			replace := map[string][]byte{
				"README.md":  readme,
				"DISTLAB.md": append([]byte(distlabNote), original...),
			}
			blocks, err := handout.Write(handout.Options{Repo: ".", Out: out, Strip: dirs, Files: files, Replace: replace})
			if err != nil {
				return badInput(err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: %d tracked files, %d solution block(s) replaced by stubs in %s\n", out, len(files), len(blocks), strings.Join(dirs, ", "))
			for _, b := range blocks {
				fmt.Fprintf(w, "  %s:%d  %s\n", b.File, b.Line, b.Part)
			}
			first := chosen[0].Name
			fmt.Fprintf(w, "\nthe students start with:\n  cd %s && cat README.md && go test ./labs/%s\n", out, first)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder to create")
	cmd.Flags().BoolVar(&all, "all", false, "strip every lab (the default when no lab is named)")
	return cmd
}

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type gradedTest struct {
	lab, name string
	points    int
	passed    bool
	skipped   bool
	elapsed   float64
	failure   []string
}

var pointsRE = regexp.MustCompile(regexp.QuoteMeta(labkit.PointsPrefix) + ` (\d+)`)

func gradeCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "grade [LAB...]",
		Short: "run the labs' graded tests and print the points table",
		Long: `Runs go test on each lab (all labs when none is named), shows each test as it
finishes, and prints the points table. Set DISTLAB_SEEDS to change how many
random seeds the sweeps run. Exit status 1 when any test failed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			allLabs, err := readLabs(".")
			if err != nil {
				return badInput(err)
			}
			chosen, err := pickLabs(allLabs, args)
			if err != nil {
				return badInput(err)
			}
			var labs []string
			for _, l := range chosen {
				labs = append(labs, l.Name)
			}
			w := cmd.OutOrStdout()
			var all []*gradedTest
			for _, lab := range labs {
				fmt.Fprintf(w, "grading %s …\n", lab)
				tests, err := gradeLab(w, lab, verbose)
				if err != nil {
					return err
				}
				all = append(all, tests...)
			}
			return printPoints(w, all)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show every failing test's output")
	return cmd
}

func gradeLab(w io.Writer, lab string, verbose bool) ([]*gradedTest, error) {
	c := exec.Command("go", "test", "-json", "-count=1", "-timeout=30m", "./labs/"+lab+"/")
	c.Stderr = os.Stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	start := time.Now()
	tests := map[string]*gradedTest{}
	var order []string
	get := func(name string) *gradedTest {
		top := strings.SplitN(name, "/", 2)[0]
		t := tests[top]
		if t == nil {
			t = &gradedTest{lab: lab, name: top}
			tests[top] = t
			order = append(order, top)
		}
		return t
	}
	var buildOutput []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			buildOutput = append(buildOutput, sc.Text())
			continue
		}
		if ev.Test == "" {
			if ev.Action == "output" && !strings.HasPrefix(ev.Output, "ok") && !strings.HasPrefix(ev.Output, "FAIL") && !strings.HasPrefix(ev.Output, "PASS") {
				buildOutput = append(buildOutput, strings.TrimRight(ev.Output, "\n"))
			}
			continue
		}
		t := get(ev.Test)
		top := ev.Test == t.name
		switch ev.Action {
		case "output":
			if m := pointsRE.FindStringSubmatch(ev.Output); m != nil {
				t.points, _ = strconv.Atoi(m[1])
			}
			if strings.Contains(ev.Output, "progress:") {
				fmt.Fprintf(w, "    %s %s\n", t.name, strings.TrimSpace(ev.Output[strings.Index(ev.Output, "progress:"):]))
			}
			t.failure = append(t.failure, strings.TrimRight(ev.Output, "\n"))
		case "pass", "fail", "skip":
			if !top {
				continue
			}
			t.passed, t.skipped, t.elapsed = ev.Action == "pass", ev.Action == "skip", ev.Elapsed
			mark := map[string]string{"pass": "✓", "fail": "✗", "skip": "-"}[ev.Action]
			fmt.Fprintf(w, "  %s %-40s %6.1fs\n", mark, t.name, ev.Elapsed)
			if ev.Action == "fail" {
				lines := t.failure
				if !verbose && len(lines) > 25 {
					lines = append(lines[:25:25], "    … (distlab grade -v shows all)")
				}
				for _, l := range lines {
					if !strings.HasPrefix(strings.TrimSpace(l), "=== ") {
						fmt.Fprintf(w, "      %s\n", l)
					}
				}
			}
		}
	}
	err = c.Wait()
	if len(order) == 0 {
		return nil, fmt.Errorf("lab %s: no test ran (%v)\n%s", lab, err, strings.Join(buildOutput, "\n"))
	}
	fmt.Fprintf(w, "  (%s took %v)\n", lab, time.Since(start).Round(time.Millisecond))
	out := make([]*gradedTest, 0, len(order))
	for _, name := range order {
		out = append(out, tests[name])
	}
	return out, nil
}

func printPoints(w io.Writer, tests []*gradedTest) error {
	sort.SliceStable(tests, func(i, j int) bool { return tests[i].lab < tests[j].lab })
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tTEST\tRESULT\tPOINTS")
	earned, possible, failed := 0, 0, 0
	for _, t := range tests {
		got := 0
		result := "FAIL"
		switch {
		case t.passed:
			got, result = t.points, "pass"
		case t.skipped:
			result = "skip"
		default:
			failed++
		}
		earned += got
		possible += t.points
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\n", t.lab, t.name, result, got, t.points)
	}
	fmt.Fprintf(tw, "\t\tTOTAL\t%d/%d\n", earned, possible)
	tw.Flush()
	if failed > 0 {
		return errUnmet
	}
	return nil
}
