package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"distlab/algorithms"
	"distlab/checkers"
	"distlab/checkers/check"
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
		names     []string
		timeout   time.Duration
		artifacts string
		format    string
	)
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "run checkers over a trace file, or check a client history (distlab JSON or Jepsen EDN) for linearizability",
		Long: `With a trace (written by distlab run --trace), runs the named checks, or the
algorithm's default checks, and prints each verdict. With a history file,
checks it for linearizability.

Exit status: 0 every check passed, 1 a check failed, 2 bad input, 3 undecided
(nothing failed, but a check said unknown: it ran out of --timeout or found
no evidence).
` + historyHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			w := cmd.OutOrStdout()
			var results []check.Result
			if (format == "auto" || format == "trace") && isTraceFile(path) {
				tr, err := trace.ReadFile(path)
				if err != nil {
					return badInput(err)
				}
				if len(names) == 0 {
					spec, err := algorithms.Lookup(tr.Header.Algorithm)
					if err != nil {
						return badInput(fmt.Errorf("the trace does not name a known algorithm (%v); pass --check", err))
					}
					names = spec.Checks
				}
				for _, name := range names {
					spec, err := checkers.Lookup(name)
					if err != nil {
						return badInput(err)
					}
					var opts any
					if spec.Options != nil {
						opts = spec.Options()
					}
					ctx, cancel := context.WithTimeout(check.WithArtifactDir(context.Background(), artifacts), timeout)
					r := spec.Run(ctx, tr, opts)
					cancel()
					r.Name = name
					results = append(results, r)
				}
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
			failed, unknown := false, false
			for _, r := range results {
				sym := map[check.Verdict]string{check.Pass: "✓", check.Fail: "✗", check.Unknown: "?"}[r.Verdict]
				fmt.Fprintf(w, "%s %-24s %-7s %s\n", sym, r.Name, r.Verdict, r.Detail)
				for _, a := range r.Artifacts {
					fmt.Fprintf(w, "  wrote %s\n", a)
				}
				failed = failed || r.Verdict == check.Fail
				unknown = unknown || r.Verdict == check.Unknown
			}
			switch {
			case failed:
				return errUnmet
			case unknown:
				return errUndecided
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVarP(&names, "check", "c", nil, "checks to run (default: the trace's algorithm's checks)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "bound on each check; past it the verdict is unknown")
	cmd.Flags().StringVar(&artifacts, "artifacts", os.TempDir(), "folder for files checkers write")
	cmd.Flags().StringVarP(&format, "format", "f", "auto", "the file's format: auto, trace, json (a distlab history) or jepsen (EDN)")
	return cmd
}

// isTraceFile reports whether path starts with a distlab trace header.
func isTraceFile(path string) bool {
	scen, err := isScenario(path)
	return err == nil && !scen && !strings.HasSuffix(path, ".yaml")
}
