package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"distlab/algorithms"
	"distlab/checkers"
	"distlab/scenarios"
)

func listCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "list the registered algorithms, the checks, and the scenario files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ALGORITHMS\tfamily\tcontracts\t")
			for _, a := range algorithms.All() {
				fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", a.Name, a.Family, strings.Join(a.Speaks(), "+"), a.Summary)
			}
			fmt.Fprintln(w, "\nCHECKS\treads\t")
			for _, c := range checkers.All() {
				fmt.Fprintf(w, "  %s\t%s\t%s\n", c.Name, c.Reads(), c.Summary)
			}
			w.Flush()
			files, err := scenarioFiles(dir)
			if err != nil {
				return badInput(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nSCENARIOS (%s)\n", dir)
			w = tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, f := range files {
				sc, err := scenarios.Load(f)
				if err != nil {
					fmt.Fprintf(w, "  %s\tINVALID: %v\n", f, err)
					continue
				}
				desc := sc.Description
				if i := strings.IndexByte(desc, '\n'); i >= 0 {
					desc = desc[:i]
				}
				fmt.Fprintf(w, "  %s\t%s\texpects %s\t%s\n", f, sc.Algorithm, sc.ExpectText(), desc)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n%s describe NAME prints an algorithm's params and workload or a check's options: type, default, meaning.\n", invokedAs())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "scenarios", "folder of scenario files")
	return cmd
}

// scenarioFiles lists the .yaml files under dir, sorted.
func scenarioFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return nil
	})
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("no scenario folder %s (run distlab from the repository root, or pass --dir)", dir)
	}
	sort.Strings(files)
	return files, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
