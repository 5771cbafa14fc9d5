package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

func runCmd() *cobra.Command {
	var (
		seed      int64
		tracePath string
		asJSON    bool
		artifacts string
		quiet     bool
	)
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "run a scenario file and report what happened and what the checks found",
		Long: `Runs a scenario and prints a summary: virtual time, events, messages by type,
per-node counts, each check's verdict, and whether the scenario's expectation
was met.

` + exitStatusHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			if artifacts == "" {
				artifacts = newArtifactDir()
			}
			opts := scenarios.RunOptions{ArtifactDir: artifacts}
			if cmd.Flags().Changed("seed") {
				opts.Seed = &seed
			}
			if tracePath != "" {
				f, err := os.Create(tracePath)
				if err != nil {
					return badInput(fmt.Errorf("writing trace: %w", err))
				}
				defer f.Close()
				opts.TraceTo = f // streamed while the run goes on
			}
			res, err := sc.Run(opts)
			if err != nil {
				return badInput(err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(jsonSummary(res)); err != nil {
					return err
				}
			} else {
				printSummary(out, res, tracePath, quiet)
			}
			switch {
			case res.ExpectationMet:
				return nil
			case undecided(res):
				return errUndecided
			}
			return errUnmet
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 0, "run with this seed instead of the file's")
	cmd.Flags().StringVar(&tracePath, "trace", "", "write the trace (JSON Lines) to this file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
	cmd.Flags().StringVar(&artifacts, "artifacts", "", "folder for files failing checks write, e.g. porcupine's HTML (default: a new folder in the temp dir, made only when one is written)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the checks and the verdict")
	return cmd
}

// runSummary is the --json shape.
type runSummary struct {
	Scenario       string             `json:"scenario"`
	File           string             `json:"file"`
	Algorithm      string             `json:"algorithm"`
	Seed           int64              `json:"seed"`
	Events         int                `json:"events"`
	Messages       trace.MessageStats `json:"messages"`
	Nodes          []trace.NodeStats  `json:"nodes"`
	VirtualTimeNS  int64              `json:"virtual_time_ns"`
	WallNS         int64              `json:"wall_ns"`
	CheckWallNS    int64              `json:"check_wall_ns"`
	Faults         []string           `json:"faults"`
	Swarm          string             `json:"swarm,omitempty"`
	Checks         []check.Result     `json:"checks"`
	Expected       string             `json:"expected"`
	ExpectationMet bool               `json:"expectation_met"`
	Undecided      bool               `json:"undecided,omitempty"`
	Why            string             `json:"why,omitempty"`
	Errors         []string           `json:"errors,omitempty"`
}

func jsonSummary(res *scenarios.Result) runSummary {
	st := trace.Summarize(res.Trace)
	s := runSummary{Scenario: res.Scenario.Name, File: res.Scenario.Path, Algorithm: res.Scenario.Algorithm, Seed: res.Seed,
		Events: st.Events, Messages: st.Messages, Nodes: st.Nodes, VirtualTimeNS: int64(res.Scenario.Duration),
		WallNS: int64(res.Wall), CheckWallNS: int64(res.CheckWall), Checks: res.Checks, Expected: res.Scenario.ExpectText(),
		ExpectationMet: res.ExpectationMet, Undecided: undecided(res), Why: res.Why, Errors: res.Errors, Faults: []string{}, Swarm: res.Swarm}
	if s.Checks == nil {
		s.Checks = []check.Result{}
	}
	for _, f := range res.Faults {
		s.Faults = append(s.Faults, f.Describe(res.Trace.NodeName))
	}
	return s
}

func printSummary(w io.Writer, res *scenarios.Result, tracePath string, quiet bool) {
	sc := res.Scenario
	st := trace.Summarize(res.Trace)
	if !quiet {
		fmt.Fprintf(w, "scenario   %s (%s)\n", sc.Name, sc.Path)
		if sc.Description != "" {
			for _, line := range strings.Split(sc.Description, "\n") {
				fmt.Fprintf(w, "           %s\n", line)
			}
		}
		rate := ""
		if res.Wall > 0 {
			rate = fmt.Sprintf(", %.2fM events/s", float64(st.Events)/res.Wall.Seconds()/1e6)
		}
		fmt.Fprintf(w, "run        %s · %d nodes · seed %d · %v of virtual time in %v (%d events%s)\n",
			sc.Algorithm, sc.Nodes, res.Seed, sc.Duration, res.Wall.Round(time.Microsecond), st.Events, rate)
		if res.Swarm != "" {
			fmt.Fprintf(w, "swarm      drew %s\n", res.Swarm)
		}
		if len(res.Faults) > 0 {
			fmt.Fprintf(w, "faults     %d scheduled:", len(res.Faults))
			for i, f := range res.Faults {
				if i == 8 {
					fmt.Fprintf(w, " … (%d more)", len(res.Faults)-8)
					break
				}
				sep := " "
				if i > 0 {
					sep = "; "
				}
				fmt.Fprintf(w, "%s%s", sep, f.Describe(res.Trace.NodeName))
			}
			fmt.Fprintln(w)
		}
		m := st.Messages
		fmt.Fprintf(w, "\nmessages   sent %d · delivered %d · dropped %d · duplicated %d\n", m.Sent, m.Delivered, m.Dropped, m.Duplicated)
		if m.Dropped > 0 {
			var reasons []string
			for _, r := range sortedKeys(m.DropReason) {
				reasons = append(reasons, fmt.Sprintf("%s %d", r, m.DropReason[r]))
			}
			fmt.Fprintf(w, "           drops by reason: %s\n", strings.Join(reasons, ", "))
		}
		if len(m.ByType) > 0 {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "  type\tsent\tdelivered\tdropped\tduplicated\t")
			for _, name := range st.TypeNames() {
				t := m.ByType[name]
				fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t\n", name, t.Sent, t.Delivered, t.Dropped, t.Duplicated)
			}
			tw.Flush()
		}
		fmt.Fprintln(w, "\nnodes")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  node\tsent\treceived\ttimers\tcrashes\trestarts\tmarks\t")
		for _, n := range st.Nodes {
			crash := fmt.Sprint(n.Crashes)
			if n.Panicked {
				crash += " (panic)"
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%s\t%d\t%d\t\n", n.Name, n.Sent, n.Received, n.Timers, crash, n.Restarts, n.Marks)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "checks")
	for _, c := range res.Checks {
		sym := map[check.Verdict]string{check.Pass: "✓", check.Fail: "✗", check.Unknown: "?"}[c.Verdict]
		fmt.Fprintf(w, "  %s %-24s %-7s %s\n", sym, c.Name, c.Verdict, c.Detail)
		if c.Verdict == check.Fail && len(c.Nodes) > 0 {
			fmt.Fprintf(w, "    %-24s         first violation at %v on %s\n", "", c.At, strings.Join(c.Nodes, ", "))
		}
		for _, a := range c.Artifacts {
			fmt.Fprintf(w, "    %-24s         wrote %s\n", "", a)
		}
		if len(c.Metrics) > 0 {
			var ms []string
			for _, k := range sortedKeys(c.Metrics) {
				ms = append(ms, fmt.Sprintf("%s=%.4g", k, c.Metrics[k]))
			}
			fmt.Fprintf(w, "    %-24s         %s\n", "", strings.Join(ms, " "))
		}
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "  ! simulator: %s\n", e)
	}
	if tracePath != "" {
		fmt.Fprintf(w, "\ntrace      written to %s (read it with: %s trace %s)\n", tracePath, invokedAs(), tracePath)
	}
	verdict := "MET"
	switch {
	case undecided(res):
		verdict = "UNDECIDED — " + res.Why
	case !res.ExpectationMet:
		verdict = "NOT MET — " + res.Why
	}
	fmt.Fprintf(w, "\nexpected   %s\nresult     %s\n", sc.ExpectText(), verdict)
}

// undecided reports an unmet expectation that only unknown verdicts stand
// in the way of: judged on the decided checks alone, it would be met.
func undecided(res *scenarios.Result) bool {
	return undecidedBy(res.Scenario.Expect, res.Checks, res.Errors)
}

// undecidedBy is undecided for any expectation and results (distlab check
// judges a trace the same way).
func undecidedBy(expect []string, results []check.Result, simErrors []string) bool {
	if met, _ := scenarios.Judge(expect, results, simErrors); met || len(simErrors) > 0 {
		return false
	}
	var decided []check.Result
	for _, c := range results {
		if c.Verdict != check.Unknown {
			decided = append(decided, c)
		}
	}
	if len(decided) == len(results) {
		return false
	}
	met, _ := scenarios.Judge(expect, decided, simErrors)
	return met
}
