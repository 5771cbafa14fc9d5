package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"distlab/compare"
)

// comparisons are the families `distlab compare` knows, with the cluster
// sizes their issue asks for.
var comparisons = map[string]struct {
	sizes []int
	run   func(w io.Writer, sizes []int, seed int64) error
}{
	"mutex":    {[]int{3, 5, 10, 20}, compare.Mutex},
	"election": {compare.ElectionSizes, compare.Election},
}

func init() { extraCommands = append(extraCommands, compareCmd) }

func compareCmd() *cobra.Command {
	var (
		sizes []int
		seed  int64
	)
	var names []string
	for n := range comparisons {
		names = append(names, n)
	}
	sort.Strings(names)
	cmd := &cobra.Command{
		Use:   "compare FAMILY",
		Short: "run a family's algorithms on the same workload and print measured figures beside the textbook's (" + strings.Join(names, ", ") + ")",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ok := comparisons[args[0]]
			if !ok {
				return badInput(fmt.Errorf("unknown family %q (valid: %s)", args[0], strings.Join(names, ", ")))
			}
			if len(sizes) == 0 {
				sizes = c.sizes
			}
			if err := c.run(cmd.OutOrStdout(), sizes, seed); err != nil {
				return badInput(err)
			}
			return nil
		},
	}
	cmd.Flags().IntSliceVarP(&sizes, "nodes", "n", nil, "cluster sizes (default: the family's usual sizes)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed for every run")
	return cmd
}
