package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bufio"
	"distlab/checkers/check"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

func init() { extraCommands = append(extraCommands, checkCmd) }

// historyChecker checks a client history file in a format (set by the
// linearizability wiring when it is built in); historyHelp describes the
// formats it reads.
var (
	historyChecker func(path, format string, timeout time.Duration, artifacts string) (check.Result, error)
	historyHelp    string
)

func checkCmd() *cobra.Command {
	var (
		names        []string
		scenarioPath string
		timeout      time.Duration
		artifacts    string
		format       string
	)
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "judge a trace as distlab run did, or check a client history (distlab JSON or Jepsen EDN) for linearizability",
		Long: `With a trace (written by distlab run --trace), runs the checks exactly as
distlab run did: the checks and options the trace's header records (its
scenario's), or those of --scenario FILE, or the named --check ones, or the
algorithm's defaults; no-panic always. The expectation the header records is
judged the same way. A check of another family than the trace's algorithm is
bad input; a check that finds none of its evidence in the trace says unknown.
With a history file, checks it for linearizability.

` + exitStatusHelp + `
` + historyHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			w := cmd.OutOrStdout()
			var results []check.Result
			var expect []string
			if (format == "auto" || format == "trace") && isTraceFile(path) {
				tr, err := trace.ReadFile(path)
				if err != nil {
					return badInput(err)
				}
				var checks []scenarios.CheckSpec
				if scenarioPath != "" {
					sc, err := scenarios.Load(scenarioPath)
					if err != nil {
						return badInput(err)
					}
					if sc.Algorithm != tr.Header.Algorithm {
						return badInput(fmt.Errorf("scenario %s runs %s, the trace is of %s", scenarioPath, sc.Algorithm, tr.Header.Algorithm))
					}
					checks, expect = sc.Checks, sc.Expect
				} else if checks, expect, err = scenarios.TraceChecks(tr, names); err != nil {
					return badInput(err)
				}
				results = scenarios.RunChecks(tr, checks, scenarios.RunOptions{CheckTimeout: timeout, ArtifactDir: artifacts})
			} else {
				if historyChecker == nil {
					return badInput(fmt.Errorf("%s is not a distlab trace, and this build has no history checker", path))
				}
				r, err := historyChecker(path, format, timeout, artifacts)
				if err != nil {
					return badInput(err)
				}
				results = append(results, r)
			}
			for _, r := range results {
				sym := map[check.Verdict]string{check.Pass: "✓", check.Fail: "✗", check.Unknown: "?"}[r.Verdict]
				fmt.Fprintf(w, "%s %-24s %-7s %s\n", sym, r.Name, r.Verdict, r.Detail)
				for _, a := range r.Artifacts {
					fmt.Fprintf(w, "  wrote %s\n", a)
				}
			}
			met, why := scenarios.Judge(expect, results, nil)
			verdict := "MET"
			switch {
			case undecidedBy(expect, results, nil):
				verdict = "UNDECIDED — " + why
			case !met:
				verdict = "NOT MET — " + why
			}
			fmt.Fprintf(w, "\nexpected   %s\nresult     %s\n", scenarios.ExpectText(expect), verdict)
			switch {
			case met:
				return nil
			case undecidedBy(expect, results, nil):
				return errUndecided
			}
			return errUnmet
		},
	}
	cmd.Flags().StringSliceVarP(&names, "check", "c", nil, "checks to run (default: the checks the trace's header records, else its algorithm's)")
	cmd.Flags().StringVar(&scenarioPath, "scenario", "", "take the checks, their options and the expectation from this scenario file")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "bound on each check; past it the verdict is unknown")
	cmd.Flags().StringVar(&artifacts, "artifacts", os.TempDir(), "folder for files checkers write")
	cmd.Flags().StringVarP(&format, "format", "f", "auto", "the file's format: auto, trace, json (a distlab history) or jepsen (EDN)")
	return cmd
}

// isTraceFile reports whether path starts with a distlab trace header.
func isTraceFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	first, _ := bufio.NewReader(f).ReadString('\n')
	return strings.Contains(first, `"format":"`+trace.FormatName+`"`)
}
