package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"distlab/internal/mutate"
)

func init() { extraCommands = append(extraCommands, mutateCmd) }

func mutateCmd() *cobra.Command {
	var (
		list, check, full, equivalent, verbose bool
		only                                   []string
		jobs                                   int
	)
	cmd := &cobra.Command{
		Use:   "mutate [LAB...]",
		Short: "run each lab's graded tests against its mutants (the classic wrong solutions): each must be caught",
		Long: `Mutation testing of the labs. Every lab keeps the classic wrong solutions of
its parts as patches in labs/<lab>/mutants/*.patch (labs/README.md, "Mutants").
For each one, distlab mutate writes the changed files to a scratch folder (the
source tree is never written), runs the lab's graded tests against them through
go test -overlay, and prints whether a test caught it — which test and seed —
or whether it survived. The test named by a mutant's Caught-by runs first; if
it does not catch the mutant, every test of the lab runs.

Mutants documented as equivalent (Equivalent: why) are listed, not run, unless
--equivalent. Exit status 1 when a mutant survived or does not apply or
compile; 2 for bad input.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			labs := make([]string, len(args))
			for i, a := range args {
				labs[i] = labName(a)
			}
			ms, err := mutate.Find(".", labs...)
			if err != nil {
				return badInput(err)
			}
			if len(only) > 0 {
				ms, err = pick(ms, only)
				if err != nil {
					return badInput(err)
				}
			}
			if len(ms) == 0 {
				return badInput(fmt.Errorf("no mutants found (labs/<lab>/mutants/*.patch)"))
			}
			w := cmd.OutOrStdout()
			if list {
				return listMutants(w, ms)
			}
			if check {
				return checkMutants(w, ms)
			}
			return runMutants(cmd.Context(), w, ms, mutate.Options{Repo: ".", Full: full}, equivalent, verbose, jobs)
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list the mutants and stop")
	cmd.Flags().BoolVar(&check, "check", false, "only check that every mutant applies to the current code (no tests)")
	cmd.Flags().BoolVar(&full, "full", false, "run every graded test of the lab for each mutant, not its Caught-by test first")
	cmd.Flags().BoolVar(&equivalent, "equivalent", false, "also run the mutants documented as equivalent (they are expected to survive)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the lab tests' progress lines")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 1, "how many mutants to test at once (each go test also uses every core; 2 overlaps one's build with another's tests)")
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only these mutants (lab/name or name, comma-separated)")
	return cmd
}

func pick(ms []*mutate.Mutant, only []string) ([]*mutate.Mutant, error) {
	var out []*mutate.Mutant
	for _, want := range only {
		found := false
		for _, m := range ms {
			if m.ID() == want || m.Name == want {
				out = append(out, m)
				found = true
			}
		}
		if !found {
			var valid []string
			for _, m := range ms {
				valid = append(valid, m.ID())
			}
			return nil, fmt.Errorf("no mutant %q (valid: %s)", want, strings.Join(valid, ", "))
		}
	}
	return out, nil
}

func listMutants(w io.Writer, ms []*mutate.Mutant) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tPART\tCAUGHT BY\tWHAT IS WRONG")
	for _, m := range ms {
		by := m.CaughtBy
		if m.Equivalent != "" {
			by = "(equivalent)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID(), m.Part, by, firstSentence(m.Description))
	}
	return tw.Flush()
}

func checkMutants(w io.Writer, ms []*mutate.Mutant) error {
	bad := 0
	for _, m := range ms {
		dir, err := os.MkdirTemp("", "distlab-mutant-")
		if err != nil {
			return err
		}
		_, err = mutate.Apply(".", m, dir)
		os.RemoveAll(dir)
		if err != nil {
			bad++
			fmt.Fprintf(w, "✗ %s: %v\n", m.ID(), err)
			continue
		}
		fmt.Fprintf(w, "✓ %s applies\n", m.ID())
	}
	if bad > 0 {
		fmt.Fprintf(w, "%d of %d mutants do not apply\n", bad, len(ms))
		return errUnmet
	}
	fmt.Fprintf(w, "all %d mutants apply\n", len(ms))
	return nil
}

func runMutants(ctx context.Context, w io.Writer, ms []*mutate.Mutant, o mutate.Options, equivalent, verbose bool, jobs int) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var mu sync.Mutex // one writer for lines from several mutants at once
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format, a...)
	}
	if verbose {
		o.Progress = func(line string) { say("      %s\n", line) }
	}
	start := time.Now()
	results := make([]mutate.Result, len(ms))
	var g errgroup.Group
	g.SetLimit(max(1, jobs))
	for i, m := range ms {
		prefix := fmt.Sprintf("[%*d/%d] %s", len(fmt.Sprint(len(ms))), i+1, len(ms), m.ID())
		if m.Equivalent != "" && !equivalent {
			results[i] = mutate.Result{Mutant: m, Outcome: mutate.Equivalent, Detail: m.Equivalent}
			say("%s  equivalent, not run: %s\n", prefix, m.Equivalent)
			continue
		}
		g.Go(func() error {
			say("%s  (%s) …\n", prefix, m.Part)
			r := mutate.Run(ctx, o, m)
			results[i] = r
			// With several jobs the lines of one mutant are apart: its
			// name starts the verdict too.
			lead := strings.Repeat(" ", len(prefix))
			if jobs > 1 {
				lead = prefix
			}
			say("%s  %s\n", lead, describeResult(r))
			return nil
		})
	}
	g.Wait()
	return summarize(w, results, time.Since(start))
}

func describeResult(r mutate.Result) string {
	el := r.Elapsed.Round(100 * time.Millisecond)
	var s string
	switch r.Outcome {
	case mutate.Caught:
		s = "caught by " + r.Test
		if r.Seed != "" {
			s += " seed " + r.Seed
		}
		s += fmt.Sprintf(" (%v)", el)
		if r.Detail != "" {
			s += "\n        " + r.Detail
		}
	case mutate.Survived:
		s = fmt.Sprintf("SURVIVED: %s (%v) — the lab gives this wrong solution full marks", r.Detail, el)
		if r.Mutant.Equivalent != "" {
			s = fmt.Sprintf("survived, as an equivalent mutant should (%v)", el)
		}
	case mutate.Broken:
		s = "BROKEN: " + strings.ReplaceAll(r.Detail, "\n", "\n        ")
	}
	if r.Note != "" {
		s += "\n        note: " + r.Note
	}
	return s
}

func summarize(w io.Writer, results []mutate.Result, took time.Duration) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tPART\tRESULT\tTEST\tSEED\tTIME")
	counts := map[mutate.Outcome]int{}
	failed := 0
	for _, r := range results {
		counts[r.Outcome]++
		outcome := r.Outcome.String()
		if r.Mutant.Equivalent != "" && r.Outcome == mutate.Survived {
			outcome = "equivalent (survived)"
		} else if r.Outcome == mutate.Survived || r.Outcome == mutate.Broken {
			failed++
		}
		seed := r.Seed
		if seed == "" {
			seed = "-"
		}
		test := r.Test
		if test == "" {
			test = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", r.Mutant.ID(), r.Mutant.Part, outcome, test, seed, r.Elapsed.Round(100*time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d mutants in %v: %d caught, %d survived, %d broken, %d equivalent\n",
		len(results), took.Round(time.Second), counts[mutate.Caught], counts[mutate.Survived], counts[mutate.Broken], counts[mutate.Equivalent])
	if failed > 0 {
		return errUnmet
	}
	return nil
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) > 90 {
		s = s[:89] + "…"
	}
	return s
}
