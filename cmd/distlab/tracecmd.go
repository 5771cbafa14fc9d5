package main

import (
	"bufio"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"distlab/simnet/trace"
)

func traceCmd() *cobra.Command {
	var (
		nodes    []string
		kinds    []string
		noTimers bool
	)
	cmd := &cobra.Command{
		Use:   "trace FILE",
		Short: "print a trace file readably, one event a line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tr, err := trace.ReadFile(args[0])
			if err != nil {
				return badInput(err)
			}
			for _, n := range nodes {
				if _, ok := tr.NodeByName(n); !ok {
					return badInput(fmt.Errorf("unknown node %q (valid: %s)", n, strings.Join(tr.Header.Nodes, ", ")))
				}
			}
			for _, k := range kinds {
				if _, err := trace.ParseKind(k); err != nil {
					return badInput(err)
				}
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			h := tr.Header
			fmt.Fprintf(w, "# %s · %s · seed %d · nodes %s · %d events\n", h.Scenario, h.Algorithm, h.Seed, strings.Join(h.Nodes, " "), tr.Len())
			desc := trace.NewDescriber(tr)
			desc.Actor, desc.IDs = true, true
			for i := range tr.Len() {
				e := tr.At(i)
				if noTimers && (e.Kind == trace.TimerSet || e.Kind == trace.TimerCancel) {
					continue
				}
				if len(kinds) > 0 && !slices.Contains(kinds, e.Kind.String()) {
					continue
				}
				if len(nodes) > 0 && !slices.Contains(nodes, tr.NodeName(e.Node)) && !slices.Contains(nodes, tr.NodeName(e.Peer)) {
					continue
				}
				fmt.Fprintf(w, "%6d  %s  %s\n", e.Index, trace.FormatTime(e.Time), desc.Event(i))
				if e.Stack != "" {
					for _, line := range strings.Split(strings.TrimSpace(e.Stack), "\n") {
						fmt.Fprintf(w, "                          | %s\n", line)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&nodes, "node", nil, "only events of these nodes (as actor or peer)")
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "only these event kinds (send, deliver, drop, crash, mark, state, …)")
	cmd.Flags().BoolVar(&noTimers, "no-timers", false, "hide timer set and cancel events")
	return cmd
}
