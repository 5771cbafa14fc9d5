package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"distlab/internal/handout"
	"distlab/labs/labkit"
)

func init() { extraCommands = append(extraCommands, handoutCmd) }

// readLabs reads every lab's front matter, in course order.
func readLabs(root string) ([]*labkit.Lab, error) {
	labs, err := labkit.Labs(root)
	if err != nil {
		return nil, err
	}
	if len(labs) == 0 {
		return nil, fmt.Errorf("no labs under %s/labs", root)
	}
	return labs, nil
}

// labName accepts a lab's name or its folder (./labs/raft/).
func labName(arg string) string {
	if strings.Contains(arg, "/") {
		return filepath.Base(filepath.Clean(arg))
	}
	return arg
}

// pickLabs returns the labs named in args (all when none), in course
// order; an unknown name lists the valid ones.
func pickLabs(all []*labkit.Lab, args []string) ([]*labkit.Lab, error) {
	if len(args) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, a := range args {
		name := labName(a)
		if !slices.ContainsFunc(all, func(l *labkit.Lab) bool { return l.Name == name }) {
			names := make([]string, len(all))
			for i, l := range all {
				names[i] = l.Name
			}
			return nil, fmt.Errorf("unknown lab %q (valid: %s)", name, strings.Join(names, ", "))
		}
		want[name] = true
	}
	var out []*labkit.Lab
	for _, l := range all {
		if want[l.Name] {
			out = append(out, l)
		}
	}
	return out, nil
}

func handoutCmd() *cobra.Command {
	var (
		out string
		all bool
	)
	cmd := &cobra.Command{
		Use:   "handout [LAB...] -o DIR",
		Short: "write the students' copy of the repository: every lab's solutions (or the named labs') replaced by stubs",
		Long: `Writes the files git tracks (nothing ignored or never added: no binary built
from the reference, no out/ folder) to a new folder, with the solution blocks
of every lab replaced by their stubs: one student repository for the whole
course. Name labs (handout mutex raft) to strip only theirs. The copy's
README.md is the students' (the labs in order, what each needs, how to grade
yourself); the repository's own README becomes DISTLAB.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			labs, err := readLabs(".")
			if err != nil {
				return badInput(err)
			}
			if all && len(args) > 0 {
				return badInput(fmt.Errorf("--all and lab names exclude each other"))
			}
			chosen, err := pickLabs(labs, args)
			if err != nil {
				return badInput(err)
			}
			if out == "" {
				return badInput(fmt.Errorf("say where to write the handout: -o DIR (a folder that does not exist yet)"))
			}
			files, err := handout.TrackedFiles(".")
			if err != nil {
				return badInput(err)
			}
			var dirs []string
			for _, l := range chosen {
				dirs = append(dirs, l.Solutions...)
			}
			readme, err := studentReadme(labs, chosen, files)
			if err != nil {
				return badInput(err)
			}
			original, err := os.ReadFile("README.md")
			if err != nil {
				return badInput(err)
			}
			replace := map[string][]byte{
				"README.md":  readme,
				"DISTLAB.md": append([]byte(distlabNote), original...),
			}
			blocks, err := handout.Write(handout.Options{Repo: ".", Out: out, Strip: dirs, Files: files, Replace: replace})
			if err != nil {
				return badInput(err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: %d tracked files, %d solution block(s) replaced by stubs in %s\n", out, len(files), len(blocks), strings.Join(dirs, ", "))
			for _, b := range blocks {
				fmt.Fprintf(w, "  %s:%d  %s\n", b.File, b.Line, b.Part)
			}
			first := chosen[0].Name
			fmt.Fprintf(w, "\nthe students start with:\n  cd %s && cat README.md && go test ./labs/%s\n", out, first)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder to create")
	cmd.Flags().BoolVar(&all, "all", false, "strip every lab (the default when no lab is named)")
	return cmd
}
