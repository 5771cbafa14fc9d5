package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"distlab/checkers/check"
	"distlab/export"
	"distlab/scenarios"
	"distlab/simnet/trace"
	"distlab/tui"
)

func init() { extraCommands = append(extraCommands, tuiCmd, exportCmd) }

// isScenario tells a scenario file from a trace: traces start with their
// JSON header.
func isScenario(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	first, _ := bufio.NewReader(f).ReadString('\n')
	return !strings.Contains(first, `"format":"`+trace.FormatName+`"`), nil
}

// loadTrace returns a trace and its verdicts from a trace file, or by
// running a scenario file.
func loadTrace(path string, seed *int64) (*trace.Trace, []check.Result, error) {
	scen, err := isScenario(path)
	if err != nil {
		return nil, nil, err
	}
	if !scen {
		tr, err := trace.ReadFile(path)
		return tr, nil, err
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		return nil, nil, err
	}
	res, err := sc.Run(scenarios.RunOptions{Seed: seed, ArtifactDir: newArtifactDir()})
	if err != nil {
		return nil, nil, err
	}
	return res.Trace, res.Checks, nil
}

func tuiCmd() *cobra.Command {
	var (
		seed    int64
		replay  bool
		showAll bool
		filter  string
		speed   int
	)
	cmd := &cobra.Command{
		Use:   "tui FILE",
		Short: "watch a run as a space-time diagram: a scenario runs live, a trace replays",
		Long: `Opens the visualizer. A scenario file runs live, the simulator stepping as you
watch (checks are shown when the run ends); --replay runs it first so the
verdicts and the violation jump (v) work at once. A trace file replays.
Press ? inside for the keys.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			opts := tui.Options{ShowAll: showAll, Filter: filter, Speed: speed}
			var seedPtr *int64
			if cmd.Flags().Changed("seed") {
				seedPtr = &seed
			}
			scen, err := isScenario(path)
			if err != nil {
				return badInput(err)
			}
			if scen && !replay {
				sc, err := scenarios.Load(path)
				if err != nil {
					return badInput(err)
				}
				s := sc.Seed
				if seedPtr != nil {
					s = *seedPtr
				}
				sim, _, err := sc.Prepare(s)
				if err != nil {
					return badInput(err)
				}
				opts.Until = sc.Duration
				opts.Checks = func(tr *trace.Trace) []check.Result {
					return sc.RunChecks(tr, scenarios.RunOptions{ArtifactDir: newArtifactDir()})
				}
				return tui.Run(tui.NewLive(sim, opts))
			}
			tr, verdicts, err := loadTrace(path, seedPtr)
			if err != nil {
				return badInput(err)
			}
			return tui.Run(tui.NewModel(tr, verdicts, opts))
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 0, "run a scenario with this seed instead of the file's")
	cmd.Flags().BoolVar(&replay, "replay", false, "run a scenario to the end first, then replay it")
	cmd.Flags().BoolVar(&showAll, "all", false, "show every event kind (sends, timer set/cancel…), not just the drawn ones")
	cmd.Flags().StringVar(&filter, "filter", "", "start filtered to these nodes or message types")
	cmd.Flags().IntVar(&speed, "speed", 0, "playback speed in rows per second")
	return cmd
}

func exportCmd() *cobra.Command {
	var (
		format     string
		out        string
		seed       int64
		from, to   time.Duration
		truncate   bool
		hideTimers bool
		states     bool
	)
	formats := []string{"svg", "html", "mermaid", "shiviz"}
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "write a run's space-time diagram as SVG or HTML (slides), Mermaid, or a ShiViz log",
		Long: `FILE is a trace, or a scenario (run first). Formats: svg and html (a
self-contained page for slides), mermaid (a sequence diagram, for small
traces), shiviz (a log that ShiViz opens: paste it at
https://bestchai.bitbucket.io/shiviz/ with the default parser settings).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var seedPtr *int64
			if cmd.Flags().Changed("seed") {
				seedPtr = &seed
			}
			tr, verdicts, err := loadTrace(args[0], seedPtr)
			if err != nil {
				return badInput(err)
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return badInput(err)
				}
				defer f.Close()
				bw := bufio.NewWriter(f)
				defer bw.Flush()
				w = bw
			}
			win := export.Window{From: from, To: to}
			switch format {
			case "svg":
				err = export.SVG(w, tr, export.SVGOptions{Window: win, Verdicts: verdicts, HideTimers: hideTimers, States: states})
			case "html":
				err = export.HTML(w, tr, export.SVGOptions{Window: win, Verdicts: verdicts, HideTimers: hideTimers, States: states})
			case "mermaid":
				err = export.Mermaid(w, tr, export.MermaidOptions{Window: win, Truncate: truncate, Timers: !hideTimers, States: states})
			case "shiviz":
				err = export.ShiViz(w, tr, export.ShiVizOptions{Window: win})
			default:
				return badInput(fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(formats, ", ")))
			}
			if err != nil {
				return badInput(err)
			}
			if out != "" && out != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", out)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "html", "svg, html, mermaid or shiviz")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.Flags().Int64Var(&seed, "seed", 0, "run a scenario with this seed instead of the file's")
	cmd.Flags().DurationVar(&from, "from", 0, "start of the time window")
	cmd.Flags().DurationVar(&to, "to", 0, "end of the time window (0: the end)")
	cmd.Flags().BoolVar(&truncate, "truncate", false, "mermaid: cut a long trace instead of refusing it")
	cmd.Flags().BoolVar(&hideTimers, "no-timers", false, "leave timer expiries out")
	cmd.Flags().BoolVar(&states, "states", false, "label every published state change")
	return cmd
}
