// Command distlab runs, checks, shows and grades distlab scenarios.
//
//	distlab run scenarios/election/bully-split-brain.yaml
//	distlab list
//	distlab trace run.jsonl
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"distlab/simnet"
)

// Exit statuses: 0 the expectation was met (every check passed), 1 it was
// not (a check failed, or passed where a violation was expected), 2 bad
// input, 3 undecided: nothing failed, but a check could not decide
// (unknown), so the expectation is neither met nor refuted.
const (
	exitUnmet     = 1
	exitBadInput  = 2
	exitUndecided = 3
)

// exitStatusHelp is the exit-status paragraph of the commands' help.
const exitStatusHelp = `Exit status: 0 met (every check as expected), 1 not met (a check failed, or
passed where a violation was expected), 2 bad input, 3 undecided (nothing
went against the expectation, but a check said unknown: it ran out of time
or found no evidence).`

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// errUnmet is returned when a run's expectation was not met; the summary
// already said why. errUndecided is returned when only unknown verdicts
// stood in its way.
var (
	errUnmet     = errors.New("expectation not met")
	errUndecided = errors.New("expectation undecided")
)

func main() {
	simnet.TuneGC()
	root := &cobra.Command{
		Use:           "distlab",
		Short:         "a deterministic distributed-systems lab: run, check and watch algorithms under faults",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), listCmd(), traceCmd())
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof reads it; cmd/distlab/default.pgo is one)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return badInput(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return badInput(err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	err := root.Execute()
	if stopProfile != nil {
		stopProfile()
	}
	if err != nil {
		var ee *exitError
		switch {
		case errors.Is(err, errUnmet):
			os.Exit(exitUnmet)
		case errors.Is(err, errUndecided):
			os.Exit(exitUndecided)
		case errors.As(err, &ee):
			fmt.Fprintln(os.Stderr, "distlab:", ee.err)
			os.Exit(ee.code)
		default:
			// cobra's own errors (unknown flag, missing argument) are bad input.
			fmt.Fprintln(os.Stderr, "distlab:", err)
			os.Exit(exitBadInput)
		}
	}
}

// stopProfile ends the CPU profile --cpuprofile started, if any.
var stopProfile func()

// extraCommands lets other files add subcommands without touching main.
var extraCommands []func() *cobra.Command
