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

// labNames lists the labs: the folders under labs/ with tests, labkit aside.
func labNames(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "labs"))
	if err != nil {
		return nil, fmt.Errorf("no labs folder under %s (run distlab from the repository root)", root)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "labkit" {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// labName accepts a lab's name or its folder (./labs/raft/).
func labName(arg string) string {
	if strings.Contains(arg, "/") {
		return filepath.Base(filepath.Clean(arg))
	}
	return arg
}

func checkLab(root, lab string) error {
	names, err := labNames(root)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == lab {
			return nil
		}
	}
	return fmt.Errorf("unknown lab %q (valid: %s)", lab, strings.Join(names, ", "))
}

// stripDirs are the folders whose solutions a lab's handout removes:
// labs/<lab>/handout.txt lists them one a line; without it, algorithms/<lab>.
func stripDirs(root, lab string) []string {
	data, err := os.ReadFile(filepath.Join(root, "labs", lab, "handout.txt"))
	if err != nil {
		return []string{filepath.Join("algorithms", lab)}
	}
	var dirs []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			dirs = append(dirs, line)
		}
	}
	return dirs
}

func handoutCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "handout LAB",
		Short: "write the student's copy of the repository for a lab, solutions replaced by stubs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lab := labName(args[0])
			if err := checkLab(".", lab); err != nil {
				return badInput(err)
			}
			if out == "" {
				out = filepath.Join(os.TempDir(), "distlab-"+lab+"-handout")
			}
			dirs := stripDirs(".", lab)
			blocks, err := handout.Write(handout.Options{Repo: ".", Out: out, Strip: dirs})
			if err != nil {
				return badInput(err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: %d solution block(s) replaced by stubs in %s\n", out, len(blocks), strings.Join(dirs, ", "))
			for _, b := range blocks {
				fmt.Fprintf(w, "  %s:%d  %s\n", b.File, b.Line, b.Part)
			}
			fmt.Fprintf(w, "\nthe student starts with:\n  cd %s && cat labs/%s/README.md && go test ./labs/%s\n", out, lab, lab)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder to create (default: a folder in the temp dir)")
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
			labs := make([]string, len(args))
			for i, a := range args {
				labs[i] = labName(a)
			}
			if len(labs) == 0 {
				var err error
				if labs, err = labNames("."); err != nil {
					return badInput(err)
				}
			}
			for _, lab := range labs {
				if err := checkLab(".", lab); err != nil {
					return badInput(err)
				}
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
