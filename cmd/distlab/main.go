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

	"github.com/spf13/cobra"

	"distlab/simnet"
)

// Exit statuses: 0 the expectation was met, 1 it was not, 2 bad input.
const (
	exitUnmet    = 1
	exitBadInput = 2
)

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// errUnmet is returned when a run's expectation was not met; the summary
// already said why.
var errUnmet = errors.New("expectation not met")

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
	if err := root.Execute(); err != nil {
		var ee *exitError
		switch {
		case errors.Is(err, errUnmet):
			os.Exit(exitUnmet)
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

// extraCommands lets other files add subcommands without touching main.
var extraCommands []func() *cobra.Command
