package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, mergeCmd) }

func mergeCmd() *cobra.Command {
	var (
		asJSON  bool
		csvPath string
	)
	cmd := &cobra.Command{
		Use:   "merge FILE...",
		Short: "combine the --json results of explore or grade shards into one table",
		Long: `Reads the JSON that distlab explore --json or distlab grade --json printed on
each shard ("-" reads standard input; a file may hold several results one
after the other) and prints one table: for explore, the seeds every shard
ran, every failing seed and the lowest one with its replay file; for grade,
the points per student and lab (--csv FILE writes them). It says which
shards are missing. Exit status: 0 nothing failed, 1 a seed or a test
failed, 2 bad input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var explores []exploreReport
			var grades []gradeReport
			for _, path := range args {
				if err := readReports(path, &explores, &grades); err != nil {
					return badInput(err)
				}
			}
			w := cmd.OutOrStdout()
			switch {
			case len(explores) > 0 && len(grades) > 0:
				return badInput(errors.New("these files mix explore and grade results: merge each kind on its own"))
			case len(explores) > 0:
				merged, err := mergeExplores(w, explores, asJSON)
				if err != nil {
					return badInput(err)
				}
				if len(merged.Failing) > 0 {
					return errUnmet
				}
				return nil
			case len(grades) > 0:
				merged := gradeReport{Kind: "grade", Rows: []gradeRow{}, Errors: []gradeError{}}
				var shards []string
				for _, g := range grades {
					merged.Rows = append(merged.Rows, g.Rows...)
					merged.Errors = append(merged.Errors, g.Errors...)
					shards = append(shards, g.Shard)
					for _, l := range g.Labs {
						if !slices.Contains(merged.Labs, l) {
							merged.Labs = append(merged.Labs, l)
						}
					}
				}
				merged.Shard = strings.Join(shards, ",")
				if missing := missingShards(shards); missing != "" {
					fmt.Fprintf(os.Stderr, "distlab merge: %s\n", missing)
				}
				if asJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if err := enc.Encode(merged); err != nil {
						return err
					}
				} else {
					labs, _ := readLabs(".")
					printGrade(w, merged, labs)
				}
				if csvPath != "" {
					if err := writeGradeCSV(csvPath, merged); err != nil {
						return badInput(err)
					}
					fmt.Fprintf(os.Stderr, "wrote %s\n", csvPath)
				}
				if merged.failed() {
					return errUnmet
				}
				return nil
			}
			return badInput(errors.New("no results in these files"))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the merged result as JSON")
	cmd.Flags().StringVar(&csvPath, "csv", "", "grade results: write the points per student as CSV to this file")
	return cmd
}

// readReports decodes every JSON object in a file by its kind.
func readReports(path string, explores *[]exploreReport, grades *[]gradeReport) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	for n := 0; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			if n == 0 {
				return fmt.Errorf("%s: empty (expected the output of distlab explore --json or grade --json)", path)
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: not the JSON of distlab explore --json or grade --json: %v", path, err)
		}
		var head struct{ Kind string }
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		switch head.Kind {
		case "explore":
			var e exploreReport
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			*explores = append(*explores, e)
		case "grade":
			var g gradeReport
			if err := json.Unmarshal(raw, &g); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			*grades = append(*grades, g)
		default:
			return fmt.Errorf("%s: result of kind %q (valid: explore, grade)", path, head.Kind)
		}
	}
}

// missingShards names the shards of "i/n" that are absent or repeated.
func missingShards(shards []string) string {
	n := 0
	seen := map[int]int{}
	for _, s := range shards {
		var i, m int
		if _, err := fmt.Sscanf(s, "%d/%d", &i, &m); err != nil {
			return fmt.Sprintf("shard %q is not i/n", s)
		}
		if n != 0 && m != n {
			return fmt.Sprintf("the results come from different shard counts (%d and %d)", n, m)
		}
		n = m
		seen[i]++
	}
	var missing, twice []string
	for i := 1; i <= n; i++ {
		switch {
		case seen[i] == 0:
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		case seen[i] > 1:
			twice = append(twice, fmt.Sprintf("%d/%d", i, n))
		}
	}
	var out []string
	if len(missing) > 0 {
		out = append(out, "missing shard(s) "+strings.Join(missing, ", ")+": the table is incomplete")
	}
	if len(twice) > 0 {
		out = append(out, "shard(s) "+strings.Join(twice, ", ")+" given more than once: their rows are counted twice")
	}
	return strings.Join(out, "; ")
}

func mergeExplores(w io.Writer, reports []exploreReport, asJSON bool) (exploreReport, error) {
	first := reports[0]
	merged := exploreReport{Kind: "explore", Scenario: first.Scenario, File: first.File, From: first.From, Seeds: first.Seeds, Failing: []int64{}}
	var shards []string
	for _, r := range reports {
		if r.File != first.File || r.From != first.From || r.Seeds != first.Seeds {
			return merged, fmt.Errorf("the shards explored different things (%s seeds %d+%d, %s seeds %d+%d)", first.File, first.From, first.Seeds, r.File, r.From, r.Seeds)
		}
		merged.Ran += r.Ran
		merged.WallNS = max(merged.WallNS, r.WallNS)
		merged.Failing = append(merged.Failing, r.Failing...)
		if r.First != nil && (merged.First == nil || r.First.Seed < merged.First.Seed) {
			merged.First = r.First
		}
		shards = append(shards, r.Shard)
	}
	slices.Sort(merged.Failing)
	merged.Shard = strings.Join(shards, ",")
	missing := missingShards(shards)
	if asJSON {
		if missing != "" {
			fmt.Fprintf(os.Stderr, "distlab merge: %s\n", missing)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return merged, enc.Encode(merged)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tSEEDS\tFAILING\tLOWEST FAILING")
	for _, r := range reports {
		lowest := "-"
		if r.First != nil {
			lowest = fmt.Sprint(r.First.Seed)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", r.Shard, r.Ran, len(r.Failing), lowest)
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t\n", merged.Ran, len(merged.Failing))
	tw.Flush()
	fmt.Fprintf(w, "\n%s (%s), seeds %d..%d: %d of %d seeds ran, %d failing\n", merged.Scenario, merged.File, merged.From, merged.From+int64(merged.Seeds)-1, merged.Ran, merged.Seeds, len(merged.Failing))
	if missing != "" {
		fmt.Fprintf(w, "%s\n", missing)
	}
	if f := merged.First; f != nil {
		shown := merged.Failing
		if len(shown) > 20 {
			shown = shown[:20]
		}
		fmt.Fprintf(w, "failing seeds: %s%s\n", joinInts(shown), map[bool]string{true: " …", false: ""}[len(merged.Failing) > 20])
		fmt.Fprintf(w, "lowest: seed %d: %s\n", f.Seed, f.Failure)
		if f.Shrunk != "" {
			fmt.Fprintf(w, "  shrunk: %s\n", f.Shrunk)
		}
		run := invokedAs()
		fmt.Fprintf(w, "  replay file (written on its shard): %s\n  rerun:  %s run %s\n", f.Replay, run, f.Replay)
	}
	return merged, nil
}
