package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

func init() { extraCommands = append(extraCommands, gradeCmd) }

// gradeRow is one graded test of one submission: a row of --json and what
// distlab merge reads.
type gradeRow struct {
	Student string  `json:"student"`
	Lab     string  `json:"lab"`
	Test    string  `json:"test"`
	Points  int     `json:"points"`
	Earned  int     `json:"earned"`
	Result  string  `json:"result"` // pass, fail, skip
	Needs   string  `json:"needs,omitempty"`
	Elapsed float64 `json:"elapsed_s"`
}

// gradeError is a lab of a submission that could not be graded (it does
// not build, or a folder is missing).
type gradeError struct {
	Student string `json:"student"`
	Lab     string `json:"lab"`
	Error   string `json:"error"`
}

// gradeReport is the --json shape of one grade run (one shard's).
type gradeReport struct {
	Kind   string       `json:"kind"` // "grade"
	Shard  string       `json:"shard"`
	Labs   []string     `json:"labs"`
	Rows   []gradeRow   `json:"rows"`
	Errors []gradeError `json:"errors"`
}

// submission is what one student handed in: a repository whose labs'
// solution folders are graded.
type submission struct {
	student string
	repo    string // "" grades the working directory in place
}

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

var pointsRE = regexp.MustCompile(regexp.QuoteMeta(labkit.PointsPrefix) + ` (\d+)`)

func gradeCmd() *cobra.Command {
	var (
		verbose  bool
		repos    []string
		shardArg string
		asJSON   bool
		csvPath  string
	)
	cmd := &cobra.Command{
		Use:   "grade [LAB...]",
		Short: "run the labs' graded tests and print the points table (one repository, or many students')",
		Long: `Runs go test on each lab (all labs when none is named), shows each test as it
finishes, and prints the points table with what each lab's tests need from
other labs. Set DISTLAB_SEEDS to change how many random seeds the sweeps run.

--repo DIR (repeatable) grades students' repositories, one after the other,
into one table of points per student (--csv FILE writes it): this
repository's tracked files with every lab's solution folders taken from DIR
(the student's code and nothing else: tests, checkers and scenarios stay the
teacher's; nothing is copied, go test sees the student's files through
-overlay). The students' code runs on this machine: grade in a container.

--shard i/n grades the i-th of n slices (of the students, or of the labs when
there are fewer students than shards), also from JOB_COMPLETION_INDEX and
JOB_COMPLETIONS; --json prints the rows for distlab merge.
Exit status 1 when any test failed or a lab could not be graded.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := labkit.CheckEnv(); err != nil {
				return badInput(err)
			}
			allLabs, err := readLabs(".")
			if err != nil {
				return badInput(err)
			}
			chosen, err := pickLabs(allLabs, args)
			if err != nil {
				return badInput(err)
			}
			shard, shards, err := parseShard(shardArg)
			if err != nil {
				return badInput(err)
			}
			var subs []submission
			for _, r := range repos {
				info, err := os.Stat(r)
				if err != nil || !info.IsDir() {
					return badInput(fmt.Errorf("--repo %s: not a folder", r))
				}
				abs, _ := filepath.Abs(r)
				subs = append(subs, submission{student: filepath.Base(abs), repo: abs})
			}
			if len(subs) == 0 {
				wd, _ := os.Getwd()
				subs = []submission{{student: filepath.Base(wd)}}
			}
			type unit struct {
				sub  submission
				labs []*labkit.Lab
			}
			var units []unit
			if len(subs) >= shards {
				for _, s := range subs {
					units = append(units, unit{s, chosen})
				}
			} else {
				for _, s := range subs {
					for _, l := range chosen {
						units = append(units, unit{s, []*labkit.Lab{l}})
					}
				}
			}
			log := cmd.OutOrStdout()
			if asJSON {
				log = os.Stderr
			}
			report := gradeReport{Kind: "grade", Shard: fmt.Sprintf("%d/%d", shard, shards), Rows: []gradeRow{}, Errors: []gradeError{}}
			for _, l := range chosen {
				report.Labs = append(report.Labs, l.Name)
			}
			for i, u := range units {
				if i%shards != shard-1 {
					continue
				}
				rows, errs := gradeSubmission(log, u.sub, allLabs, u.labs, verbose)
				report.Rows = append(report.Rows, rows...)
				report.Errors = append(report.Errors, errs...)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(report); err != nil {
					return err
				}
			} else {
				printGrade(log, report, allLabs)
			}
			if csvPath != "" {
				if err := writeGradeCSV(csvPath, report); err != nil {
					return badInput(err)
				}
				fmt.Fprintf(log, "wrote %s\n", csvPath)
			}
			if report.failed() {
				return errUnmet
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show every failing test's output")
	cmd.Flags().StringArrayVar(&repos, "repo", nil, "a student's repository to grade (repeat for a class; each is graded in a copy)")
	cmd.Flags().StringVar(&shardArg, "shard", "", "grade shard i of n (i/n, 1 ≤ i ≤ n); default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS, else 1/1")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the graded rows as JSON (progress goes to stderr), for distlab merge")
	cmd.Flags().StringVar(&csvPath, "csv", "", "also write the points per student and lab as CSV to this file")
	return cmd
}

func (r gradeReport) failed() bool {
	if len(r.Errors) > 0 {
		return true
	}
	return slices.ContainsFunc(r.Rows, func(row gradeRow) bool { return row.Result == "fail" })
}

// gradeSubmission grades the labs of one submission: in place, or, for a
// student's repository, this repository's code with every lab's solution
// folders taken from the submission (through go's -overlay, so nothing is
// copied and the teacher's packages stay in the build cache).
func gradeSubmission(w io.Writer, sub submission, allLabs, labs []*labkit.Lab, verbose bool) ([]gradeRow, []gradeError) {
	overlay := ""
	fail := func(err error) ([]gradeRow, []gradeError) {
		fmt.Fprintf(w, "%s: %v\n", sub.student, err)
		var errs []gradeError
		for _, l := range labs {
			errs = append(errs, gradeError{Student: sub.student, Lab: l.Name, Error: err.Error()})
		}
		return nil, errs
	}
	if sub.repo != "" {
		fmt.Fprintf(w, "== %s (%s)\n", sub.student, sub.repo)
		tmp, err := os.MkdirTemp("", "distlab-grade-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(tmp)
		if overlay, err = submissionOverlay(sub.repo, allLabs, tmp); err != nil {
			return fail(err)
		}
	}
	var rows []gradeRow
	var errs []gradeError
	for _, l := range labs {
		fmt.Fprintf(w, "grading %s …\n", l.Name)
		for _, n := range l.Needs {
			fmt.Fprintf(w, "  (%s)\n", needText(l, n))
		}
		got, err := gradeLab(w, l, overlay, verbose)
		if err != nil {
			fmt.Fprintf(w, "  %v\n", err)
			errs = append(errs, gradeError{Student: sub.student, Lab: l.Name, Error: err.Error()})
			continue
		}
		for i := range got {
			got[i].Student = sub.student
		}
		rows = append(rows, got...)
	}
	return rows, errs
}

// needText says which tests need what, for the table and the log.
func needText(l *labkit.Lab, n labkit.Need) string {
	who := "part(s) " + strings.Join(n.Parts, ", ")
	if n.Lab != "" && n.Lab != l.Name {
		who = "lab " + n.Lab + "'s " + who
	}
	return fmt.Sprintf("%s also need%s %s", strings.Join(n.Tests, ", "), plural(len(n.Tests)), who)
}

// submissionOverlay writes the overlay that grades a student's repository:
// the tracked files of this one, with every lab's solution folders the
// student's (their code and nothing else: tests, checkers and scenarios
// stay the teacher's).
func submissionOverlay(repo string, labs []*labkit.Lab, dir string) (string, error) {
	var take []string
	for _, l := range labs {
		for _, s := range l.Solutions {
			take = append(take, filepath.ToSlash(filepath.Clean(s)))
			if info, err := os.Stat(filepath.Join(repo, s)); err != nil || !info.IsDir() {
				return "", fmt.Errorf("the submission has no folder %s (a handout has every lab's)", s)
			}
		}
	}
	files, err := handout.TrackedFiles(".")
	if err != nil {
		return "", err
	}
	path, _, err := handout.Overlay(handout.OverlayOptions{Repo: ".", Files: files, Dir: dir, Submission: repo, Take: take})
	return path, err
}

// gradeLab runs one lab's tests (with a -overlay file when grading a
// submission) and returns a row per top-level test.
func gradeLab(w io.Writer, lab *labkit.Lab, overlay string, verbose bool) ([]gradeRow, error) {
	args := []string{"test", "-json", "-count=1", "-timeout=30m"}
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	c := exec.Command("go", append(args, "./labs/"+lab.Name+"/")...)
	c.Env = append(os.Environ(), labkit.CommandEnv+"="+invokedAs())
	c.Stderr = os.Stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	start := time.Now()
	type state struct {
		row     gradeRow
		failure []string
	}
	tests := map[string]*state{}
	var order []string
	get := func(name string) *state {
		top := strings.SplitN(name, "/", 2)[0]
		t := tests[top]
		if t == nil {
			t = &state{row: gradeRow{Lab: lab.Name, Test: top}}
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
		top := ev.Test == t.row.Test
		switch ev.Action {
		case "output":
			if m := pointsRE.FindStringSubmatch(ev.Output); m != nil {
				t.row.Points, _ = strconv.Atoi(m[1])
			}
			if strings.Contains(ev.Output, "progress:") {
				fmt.Fprintf(w, "    %s %s\n", t.row.Test, strings.TrimSpace(ev.Output[strings.Index(ev.Output, "progress:"):]))
			}
			t.failure = append(t.failure, strings.TrimRight(ev.Output, "\n"))
		case "pass", "fail", "skip":
			if !top {
				continue
			}
			t.row.Result, t.row.Elapsed = ev.Action, ev.Elapsed
			if ev.Action == "pass" {
				t.row.Earned = t.row.Points
			}
			mark := map[string]string{"pass": "✓", "fail": "✗", "skip": "-"}[ev.Action]
			fmt.Fprintf(w, "  %s %-40s %6.1fs\n", mark, t.row.Test, ev.Elapsed)
			if ev.Action == "fail" {
				var needs []string
				for _, n := range lab.NeedsOf(t.row.Test) {
					needs = append(needs, needText(lab, n))
				}
				t.row.Needs = strings.Join(needs, "; ")
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
		return nil, fmt.Errorf("lab %s: no test ran (%v)\n%s", lab.Name, err, strings.Join(buildOutput, "\n"))
	}
	fmt.Fprintf(w, "  (%s took %v)\n", lab.Name, time.Since(start).Round(time.Millisecond))
	rows := make([]gradeRow, 0, len(order))
	for _, name := range order {
		rows = append(rows, tests[name].row)
	}
	return rows, nil
}

// printGrade prints the points: one row per test for one student, one row
// per student (a column per lab) for several.
func printGrade(w io.Writer, r gradeReport, labs []*labkit.Lab) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	students := r.students()
	if len(students) <= 1 {
		fmt.Fprintln(tw, "LAB\tTEST\tRESULT\tPOINTS")
		earned, possible := 0, 0
		for _, lab := range r.labOrder(labs) {
			for _, row := range r.Rows {
				if row.Lab != lab {
					continue
				}
				result := map[string]string{"pass": "pass", "fail": "FAIL", "skip": "skip"}[row.Result]
				if row.Result == "fail" && row.Needs != "" {
					result += " (" + row.Needs + ")"
				}
				earned += row.Earned
				possible += row.Points
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\n", row.Lab, row.Test, result, row.Earned, row.Points)
			}
		}
		for _, e := range r.Errors {
			fmt.Fprintf(tw, "%s\t\tNOT GRADED\t%s\n", e.Lab, firstLine(e.Error))
		}
		fmt.Fprintf(tw, "\t\tTOTAL\t%d/%d\n", earned, possible)
		tw.Flush()
		return
	}
	labNames := r.labOrder(labs)
	fmt.Fprintf(tw, "STUDENT\t%s\tTOTAL\tFAILED TESTS\n", strings.Join(upper(labNames), "\t"))
	table := r.table(labNames)
	for _, s := range students {
		row := table[s]
		cells := make([]string, len(labNames))
		for i, lab := range labNames {
			cells[i] = row.cell(lab)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\n", s, strings.Join(cells, "\t"), row.earned, row.possible, row.failed)
	}
	tw.Flush()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToUpper(v)
	}
	return out
}

func (r gradeReport) students() []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, row := range r.Rows {
		add(row.Student)
	}
	for _, e := range r.Errors {
		add(e.Student)
	}
	slices.Sort(out)
	return out
}

// labOrder lists the labs that appear, in course order (unknown ones last).
func (r gradeReport) labOrder(labs []*labkit.Lab) []string {
	seen := map[string]bool{}
	for _, row := range r.Rows {
		seen[row.Lab] = true
	}
	for _, e := range r.Errors {
		seen[e.Lab] = true
	}
	var out []string
	for _, l := range labs {
		if seen[l.Name] {
			out = append(out, l.Name)
			delete(seen, l.Name)
		}
	}
	return append(out, sortedKeys(seen)...)
}

type studentPoints struct {
	earned, possible, failed int
	byLab                    map[string][2]int // earned, possible
	errs                     map[string]bool
}

func (p studentPoints) cell(lab string) string {
	if p.errs[lab] {
		return "error"
	}
	v, ok := p.byLab[lab]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%d/%d", v[0], v[1])
}

func (r gradeReport) table(labs []string) map[string]studentPoints {
	out := map[string]studentPoints{}
	get := func(s string) studentPoints {
		p, ok := out[s]
		if !ok {
			p = studentPoints{byLab: map[string][2]int{}, errs: map[string]bool{}}
		}
		return p
	}
	for _, row := range r.Rows {
		p := get(row.Student)
		v := p.byLab[row.Lab]
		v[0] += row.Earned
		v[1] += row.Points
		p.byLab[row.Lab] = v
		p.earned += row.Earned
		p.possible += row.Points
		if row.Result == "fail" {
			p.failed++
		}
		out[row.Student] = p
	}
	for _, e := range r.Errors {
		p := get(e.Student)
		p.errs[e.Lab] = true
		out[e.Student] = p
	}
	return out
}

// writeGradeCSV writes one line per student: points per lab, total,
// possible, failed tests, labs that could not be graded.
func writeGradeCSV(path string, r gradeReport) error {
	labs := r.labOrder(nil)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	header := append([]string{"student"}, labs...)
	header = append(header, "total", "possible", "failed_tests", "not_graded")
	_ = cw.Write(header)
	table := r.table(labs)
	for _, s := range r.students() {
		p := table[s]
		line := []string{s}
		for _, lab := range labs {
			line = append(line, strconv.Itoa(p.byLab[lab][0]))
		}
		var notGraded []string
		for _, lab := range labs {
			if p.errs[lab] {
				notGraded = append(notGraded, lab)
			}
		}
		line = append(line, strconv.Itoa(p.earned), strconv.Itoa(p.possible), strconv.Itoa(p.failed), strings.Join(notGraded, " "))
		_ = cw.Write(line)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
