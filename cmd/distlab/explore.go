package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"distlab/scenarios"
)

func init() { extraCommands = append(extraCommands, exploreCmd) }

func exploreCmd() *cobra.Command {
	var (
		seeds    int
		from     int64
		out      string
		noShrink bool
	)
	cmd := &cobra.Command{
		Use:   "explore FILE",
		Short: "run a scenario over many seeds; shrink the first failure and write it as a replay file",
		Long: `Runs the scenario with seeds FROM..FROM+N-1 on every core, showing progress.
For the lowest seed whose expectation is not met, it removes faults while the
run still fails (delta debugging), and writes the smallest failing run as a
scenario file that distlab run replays exactly and distlab tui shows.
Exit status 1 when a failure was found.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			w := cmd.OutOrStdout()
			start := time.Now()
			lastShown := time.Time{}
			progress := func(done, failed int) {
				if time.Since(lastShown) < 200*time.Millisecond && done < seeds {
					return
				}
				lastShown = time.Now()
				rate := float64(done) / time.Since(start).Seconds()
				fmt.Fprintf(os.Stderr, "\r  %d/%d seeds · %d failing · %.0f seeds/s   ", done, seeds, failed, rate)
			}
			failing, first, err := sc.Explore(scenarios.ExploreOptions{From: from, Seeds: seeds, Progress: progress})
			fmt.Fprintln(os.Stderr)
			if err != nil {
				return badInput(err)
			}
			el := time.Since(start)
			fmt.Fprintf(w, "explored %d seeds of %s in %v (%.0f seeds/min): %d failing\n", seeds, sc.Name, el.Round(time.Millisecond), float64(seeds)/el.Minutes(), len(failing))
			if first == nil {
				fmt.Fprintf(w, "every seed met the expectation: %s\n", sc.ExpectText())
				return nil
			}
			shown := failing
			if len(shown) > 20 {
				shown = shown[:20]
			}
			fmt.Fprintf(w, "failing seeds: %s%s\n", joinInts(shown), map[bool]string{true: " …", false: ""}[len(failing) > 20])
			fmt.Fprintf(w, "seed %d: %s\n", first.Seed, first.Why)
			best, bestSc := first, first.ReplayScenario(first.Faults)
			if !noShrink {
				fmt.Fprintf(w, "shrinking %d faults and the workload …\n", len(first.Faults))
				bestSc, best, err = sc.Shrink(first, func(n int, fails bool) {
					fmt.Fprintf(os.Stderr, "\r  trying %d faults: %s   ", n, map[bool]string{true: "still fails", false: "passes"}[fails])
				})
				fmt.Fprintln(os.Stderr)
				if err != nil {
					return badInput(err)
				}
				fmt.Fprintf(w, "shrunk to %d fault(s), %d events: %s\n", len(best.Faults), best.Trace.Len(), best.Why)
			}
			if out == "" {
				out = filepath.Join("failures", fmt.Sprintf("%s-seed%d.yaml", sc.Name, first.Seed))
			}
			comment := fmt.Sprintf("Found by distlab explore %s (seed %d), shrunk from %d to %d faults and %d to %d events.\n%s",
				sc.Path, first.Seed, len(first.Faults), len(best.Faults), first.Trace.Len(), best.Trace.Len(), best.Why)
			data, err := bestSc.Encode(best.Seed, best.Faults, best.Trace.Header.Nodes, comment)
			if err == nil {
				err = os.MkdirAll(filepath.Dir(out), 0o755)
			}
			if err == nil {
				err = os.WriteFile(out, data, 0o644)
			}
			if err != nil {
				return badInput(err)
			}
			fmt.Fprintf(w, "wrote %s\n  rerun:  distlab run %s\n  watch:  distlab tui %s\n", out, out, out)
			return errUnmet
		},
	}
	cmd.Flags().IntVarP(&seeds, "seeds", "n", 200, "how many seeds to run")
	cmd.Flags().Int64Var(&from, "from", 1, "first seed")
	cmd.Flags().StringVarP(&out, "out", "o", "", "replay file to write (default failures/NAME-seedN.yaml)")
	cmd.Flags().BoolVar(&noShrink, "no-shrink", false, "write the failing run without shrinking its faults")
	return cmd
}

func joinInts(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ")
}
