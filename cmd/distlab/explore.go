package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"distlab/scenarios"
)

func init() { extraCommands = append(extraCommands, exploreCmd) }

// exploreReport is the --json shape of one explore run (one shard's), and
// what distlab merge combines.
type exploreReport struct {
	Kind     string  `json:"kind"` // "explore"
	Scenario string  `json:"scenario"`
	File     string  `json:"file"`
	From     int64   `json:"from"`
	Seeds    int     `json:"seeds"` // the whole range, every shard together
	Shard    string  `json:"shard"` // "i/n"
	Ran      int     `json:"ran"`   // the seeds this shard ran
	Failing  []int64 `json:"failing"`
	WallNS   int64   `json:"wall_ns"`
	// First is this shard's lowest failing seed, shrunk; nil when none failed.
	First *exploredFailure `json:"first,omitempty"`
}

type exploredFailure struct {
	Seed    int64  `json:"seed"`
	Failure string `json:"failure"`
	Replay  string `json:"replay"`
	Shrunk  string `json:"shrunk,omitempty"` // before → after
	Faults  int    `json:"faults"`
	Events  int    `json:"events"`
	// DurationNS and Nodes are the replay file's.
	DurationNS int64 `json:"duration_ns"`
	Nodes      int   `json:"nodes"`
}

func exploreCmd() *cobra.Command {
	var (
		seeds    int
		from     int64
		out      string
		noShrink bool
		shardArg string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "explore FILE",
		Short: "run a scenario over many seeds; shrink the first failure and write it as a replay file",
		Long: `Runs the scenario with seeds FROM..FROM+N-1 on every core, showing progress.
The lowest seed whose expectation is not met is shrunk to a smaller run that
fails the same way (same check, same kind of violation): the run is cut
shortly after the violation, faults are removed by delta debugging (never
the recovery at the end: heals and restarts after the last disruption),
workload fields are halved, and servers removed while the algorithm allows.
The result is written as a scenario file that distlab run replays exactly
and distlab tui shows.

--shard i/n runs the i-th of n interleaved slices of the seeds, so n machines
share one exploration (also read from JOB_COMPLETION_INDEX and JOB_COMPLETIONS,
as a Kubernetes Indexed Job sets them); --json prints the result for
distlab merge. Exit status: 0 every seed met the expectation, 1 a failure was
found, 2 bad input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			shard, shards, err := parseShard(shardArg)
			if err != nil {
				return badInput(err)
			}
			opts := scenarios.ExploreOptions{From: from, Seeds: seeds, Shard: shard, Shards: shards}
			mine, err := opts.ShardSeeds()
			if err != nil {
				return badInput(fmt.Errorf("--seeds/--shard: %w", err))
			}
			w := cmd.OutOrStdout()
			log := w
			if asJSON {
				log = os.Stderr // stdout carries the JSON only
			}
			start := time.Now()
			lastShown := time.Time{}
			progress := func(done, failed int) {
				if time.Since(lastShown) < 200*time.Millisecond && done < len(mine) {
					return
				}
				lastShown = time.Now()
				rate := float64(done) / time.Since(start).Seconds()
				fmt.Fprintf(os.Stderr, "\r  %d/%d seeds · %d failing · %.0f seeds/s   ", done, len(mine), failed, rate)
			}
			opts.Progress = progress
			failing, first, err := sc.Explore(opts)
			fmt.Fprintln(os.Stderr)
			if err != nil {
				return badInput(err)
			}
			el := time.Since(start)
			report := exploreReport{Kind: "explore", Scenario: sc.Name, File: sc.Path, From: from, Seeds: seeds,
				Shard: fmt.Sprintf("%d/%d", shard, shards), Ran: len(mine), Failing: failing, WallNS: int64(el)}
			if report.Failing == nil {
				report.Failing = []int64{}
			}
			which := ""
			if shards > 1 {
				which = fmt.Sprintf(" (shard %d/%d of seeds %d..%d)", shard, shards, from, from+int64(seeds)-1)
			}
			fmt.Fprintf(log, "explored %d seeds of %s%s in %v (%.0f seeds/min): %d failing\n", len(mine), sc.Name, which, el.Round(time.Millisecond), float64(len(mine))/el.Minutes(), len(failing))
			if first == nil {
				fmt.Fprintf(log, "every seed met the expectation: %s\n", sc.ExpectText())
				return finishExplore(w, asJSON, report)
			}
			shown := failing
			if len(shown) > 20 {
				shown = shown[:20]
			}
			fmt.Fprintf(log, "failing seeds: %s%s\n", joinInts(shown), map[bool]string{true: " …", false: ""}[len(failing) > 20])
			failure, _ := scenarios.FailureOf(first)
			fmt.Fprintf(log, "seed %d: %s\n", first.Seed, failure)
			bestSc, best := first.ReplayScenario(first.Faults), first
			found := &exploredFailure{Seed: first.Seed, Failure: failure.String()}
			comment := fmt.Sprintf("Found by distlab explore %s (seed %d), not shrunk.\n%s", sc.Path, first.Seed, failure)
			if !noShrink {
				fmt.Fprintf(log, "shrinking (the run's length, %d faults, the workload, the servers) …\n", len(first.Faults))
				shrunk, err := sc.Shrink(first, func(s scenarios.ShrinkStep) {
					verdict := "fails differently or passes"
					if s.Kept {
						verdict = "still fails the same way"
					}
					fmt.Fprintf(os.Stderr, "\r\033[K  %-8s %s: %s", s.Phase, s.Trying, verdict)
				})
				fmt.Fprintln(os.Stderr)
				if err != nil {
					return badInput(err)
				}
				bestSc, best = shrunk.Scenario, shrunk.Result
				found.Shrunk = shrunk.Summary()
				fmt.Fprintf(log, "shrunk in %d tries: %s\n  %s\n", shrunk.Tries, shrunk.Summary(), shrunk.Failure)
				comment = fmt.Sprintf("Found by distlab explore %s (seed %d) and shrunk: %s.", sc.Path, first.Seed, shrunk.Summary())
			}
			found.Faults, found.Events = len(best.Faults), best.Trace.Len()
			found.DurationNS, found.Nodes = int64(bestSc.Duration), bestSc.Nodes
			if out == "" {
				out = filepath.Join("failures", fmt.Sprintf("%s-seed%d.yaml", sc.Name, first.Seed))
			}
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
			found.Replay = out
			report.First = found
			run := invokedAs()
			fmt.Fprintf(log, "wrote %s\n  rerun:  %s run %s\n  watch:  %s tui %s\n", out, run, out, run, out)
			if err := finishExplore(w, asJSON, report); err != nil {
				return err
			}
			return errUnmet
		},
	}
	cmd.Flags().IntVarP(&seeds, "seeds", "n", 200, "how many seeds to run (all shards together)")
	cmd.Flags().Int64Var(&from, "from", 1, "first seed")
	cmd.Flags().StringVarP(&out, "out", "o", "", "replay file to write (default failures/NAME-seedN.yaml)")
	cmd.Flags().BoolVar(&noShrink, "no-shrink", false, "write the failing run without shrinking it")
	cmd.Flags().StringVar(&shardArg, "shard", "", "run shard i of n (i/n, 1 ≤ i ≤ n); default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS, else 1/1")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (progress and report go to stderr), for distlab merge")
	return cmd
}

// finishExplore prints the report as JSON when asked.
func finishExplore(w io.Writer, asJSON bool, report exploreReport) error {
	if !asJSON {
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

func joinInts(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ")
}
