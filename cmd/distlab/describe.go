package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"distlab/algorithms"
	"distlab/checkers"
	"distlab/scenarios"
)

func init() { extraCommands = append(extraCommands, describeCmd) }

func describeCmd() *cobra.Command {
	var (
		all      bool
		markdown bool
		write    string
	)
	cmd := &cobra.Command{
		Use:   "describe ALGORITHM|CHECK|scenario",
		Short: "print every param, workload field and check option with its type, default and meaning",
		Long: `Prints what a scenario file can set for an algorithm (params, workload) or a
check (options), each with its type, default and what it does; "scenario"
prints the file's own fields. --all prints every algorithm and check.
--markdown prints the reference part of scenarios/FORMAT.md, and
--write-format FILE rewrites that part of FILE (go generate ./scenarios).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			switch {
			case write != "":
				return writeFormatDoc(write)
			case markdown:
				scenarios.WriteFormatReference(w)
				return nil
			case all:
				names := append([]string{"scenario"}, algorithms.Names()...)
				names = append(names, checkers.Names()...)
				for i, name := range names {
					if i > 0 {
						fmt.Fprintln(w, "\n"+strings.Repeat("─", 60))
					}
					d, _ := scenarios.Describe(name)
					d.WriteText(w)
				}
				return nil
			case len(args) != 1:
				return badInput(fmt.Errorf("name one algorithm or check (or scenario, or --all); algorithms: %s; checks: %s",
					strings.Join(algorithms.Names(), ", "), strings.Join(checkers.Names(), ", ")))
			}
			d, err := scenarios.Describe(args[0])
			if err != nil {
				return badInput(err)
			}
			d.WriteText(w)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "describe every algorithm and check")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the generated reference of scenarios/FORMAT.md")
	cmd.Flags().StringVar(&write, "write-format", "", "rewrite the generated part of this FORMAT.md")
	return cmd
}

// writeFormatDoc replaces everything from the generated marker on.
func writeFormatDoc(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return badInput(err)
	}
	head, _, found := strings.Cut(string(data), scenarios.FormatReferenceMarker)
	if !found {
		return badInput(fmt.Errorf("%s has no line %q to write after", path, scenarios.FormatReferenceMarker))
	}
	var buf bytes.Buffer
	buf.WriteString(head)
	scenarios.WriteFormatReference(&buf)
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
