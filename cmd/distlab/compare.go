package main

import (
	"strings"

	"github.com/spf13/cobra"

	"distlab/compare"
)

func init() { extraCommands = append(extraCommands, compareCmd) }

func compareCmd() *cobra.Command {
	var opts compare.Options
	cmd := &cobra.Command{
		Use:   "compare FAMILY",
		Short: "run a family's algorithms on the same scenarios and print measured figures beside the textbook's (" + strings.Join(compare.Families(), ", ") + ")",
		Long: `Runs every algorithm of the family that declares claims (situations, scenarios
and figures on its Spec) on the same scenarios, averages each figure over the
seeds, and prints one table per situation with the textbook's claim beside it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := compare.Print(cmd.OutOrStdout(), args[0], opts); err != nil {
				return badInput(err)
			}
			return nil
		},
	}
	cmd.Flags().IntSliceVarP(&opts.Sizes, "nodes", "n", nil, "cluster sizes (default: the family's usual sizes)")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "the first seed")
	cmd.Flags().IntVar(&opts.Seeds, "seeds", 0, "seeds per row (default: the family's own)")
	return cmd
}
