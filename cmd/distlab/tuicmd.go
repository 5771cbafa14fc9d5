package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// JSON header (a .jsonl file is a trace whatever it holds). An empty file
// is neither.
func isScenario(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	first, err := bufio.NewReader(f).ReadString('\n')
	if strings.TrimSpace(first) == "" && err == io.EOF {
		return false, fmt.Errorf("%s is empty: neither a trace nor a scenario", path)
	}
	if ext := filepath.Ext(path); ext == ".jsonl" || ext == ".json" {
		return false, nil
	}
	return !strings.Contains(first, `"format":"`+trace.FormatName+`"`), nil
}

// loadTrace returns a trace and its verdicts from a trace file (checked as
// its header says, or with the named checks), or by running a scenario
// file.
func loadTrace(path string, seed *int64, checks []string) (*trace.Trace, []check.Result, error) {
	scen, err := isScenario(path)
	if err != nil {
		return nil, nil, err
	}
	if !scen {
		tr, err := trace.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		return tr, traceVerdicts(tr, checks, newArtifactDir()), nil
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

// traceVerdicts judges a trace as `distlab check` does: the named checks,
// else those its header records, else its algorithm's. When no check can
// be planned, the one verdict says why (unknown).
func traceVerdicts(tr *trace.Trace, names []string, artifacts string) []check.Result {
	specs, _, err := scenarios.TraceChecks(tr, names)
	if err != nil {
		return []check.Result{{Name: "checks", Verdict: check.Unknown, Detail: err.Error()}}
	}
	return scenarios.RunChecks(tr, specs, scenarios.RunOptions{ArtifactDir: artifacts})
}

func tuiCmd() *cobra.Command {
	var (
		seed     int64
		replay   bool
		showAll  bool
		filter   string
		speed    int
		checks   []string
		timeAxis bool
		saveAs   string
	)
	cmd := &cobra.Command{
		Use:   "tui FILE",
		Short: "watch a run as a space-time diagram: a scenario runs live, a trace replays",
		Long: `Opens the visualizer. A scenario file runs live, the simulator stepping as you
watch: you can break it (crash, partition, cut, drop a message in flight)
and save the session as a scenario file that replays it (w); checks are
shown when the run ends. --replay runs it first, so the verdicts and the
violation jump (v) work at once. A trace file replays, checked as its header
says (or with --check). Press ? inside for the keys.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if cmd.Flags().Changed("speed") && (speed == 0 || tui.ValidSpeed(speed) != nil) {
				return badInput(fmt.Errorf("--speed %d: playback goes at 1, 2, 4 … 1024 rows a second", speed))
			}
			opts := tui.Options{ShowAll: showAll, Filter: filter, Speed: speed, TimeAxis: timeAxis, SaveAs: saveAs}
			scen, err := isScenario(path)
			if err != nil {
				return badInput(err)
			}
			if !scen {
				for _, f := range []string{"seed", "replay"} {
					if cmd.Flags().Changed(f) {
						return badInput(fmt.Errorf("--%s applies to a scenario; %s is a trace (its run is recorded, seed and all)", f, path))
					}
				}
				return openTrace(path, checks, opts)
			}
			if cmd.Flags().Changed("check") {
				return badInput(fmt.Errorf("--check applies to a trace; a scenario runs its own checks (edit its checks: list)"))
			}
			sc, err := scenarios.Load(path)
			if err != nil {
				return badInput(err)
			}
			s := sc.Seed
			if cmd.Flags().Changed("seed") {
				s = seed
			}
			if replay {
				res, err := sc.Run(scenarios.RunOptions{Seed: &s, ArtifactDir: newArtifactDir()})
				if err != nil {
					return badInput(err)
				}
				return tui.Run(tui.NewModel(res.Trace, res.Checks, opts))
			}
			live, err := sc.StartLive(s)
			if err != nil {
				return badInput(err)
			}
			opts.Until = sc.Duration
			opts.Checks = func(tr *trace.Trace) []check.Result {
				return sc.RunChecks(tr, scenarios.RunOptions{ArtifactDir: newArtifactDir()})
			}
			if opts.SaveAs == "" {
				opts.SaveAs = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "-session.yaml"
			}
			return tui.Run(tui.NewLive(live, opts))
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 0, "run a scenario with this seed instead of the file's")
	cmd.Flags().BoolVar(&replay, "replay", false, "run a scenario to the end first, then replay it")
	cmd.Flags().BoolVar(&showAll, "all", false, "show every event kind (sends, timer set/cancel…), not just the drawn ones")
	cmd.Flags().StringVar(&filter, "filter", "", "start filtered to these nodes or message types (!x leaves x out)")
	cmd.Flags().IntVar(&speed, "speed", 0, "playback speed in rows per second: 1, 2, 4 … 1024 (default 8)")
	cmd.Flags().StringSliceVarP(&checks, "check", "c", nil, "a trace: the checks to run (default: those its header records, else its algorithm's)")
	cmd.Flags().BoolVar(&timeAxis, "time-axis", false, "space rows by virtual time (t toggles it inside)")
	cmd.Flags().StringVar(&saveAs, "save-as", "", "live: the file name w proposes for saving the session")
	return cmd
}

// openTrace opens the visualizer on a trace file at once: the first events
// fill the screen while the rest is read in the background, then the
// checks run (as the header says, or the --check ones).
func openTrace(path string, checks []string, opts tui.Options) error {
	f, err := os.Open(path)
	if err != nil {
		return badInput(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return badInput(err)
	}
	stream, err := tui.OpenStream(f, st.Size())
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", path, err))
	}
	opts.Checks = func(tr *trace.Trace) []check.Result { return traceVerdicts(tr, checks, newArtifactDir()) }
	return tui.Run(tui.NewReading(stream, opts))
}

func exportCmd() *cobra.Command {
	var (
		format      string
		out         string
		seed        int64
		from, to    time.Duration
		truncate    bool
		maxMessages int
		hideTimers  bool
		states      bool
		timeAxis    bool
		height      int
		checks      []string
	)
	formats := []string{"svg", "html", "mermaid", "shiviz"}
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "write a run's space-time diagram as SVG or HTML (slides), Mermaid, or a ShiViz log",
		Long: `FILE is a trace, or a scenario (run first). Formats: svg and html (a
self-contained page for slides), mermaid (a sequence diagram, for small
traces), shiviz (a log that ShiViz opens: paste it at
https://bestchai.bitbucket.io/shiviz/ with the default parser settings).

An SVG fits a slide by default: --height 1000 pixels, the quiet stretches
elided (what is kept: faults, crashes, marks, violations and what is near
them); --height 0 draws every row. --time-axis spaces rows by virtual time.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var seedPtr *int64
			if cmd.Flags().Changed("seed") {
				seedPtr = &seed
			}
			tr, verdicts, err := loadTrace(args[0], seedPtr, checks)
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
			svgOpts := export.SVGOptions{Window: win, Verdicts: verdicts, HideTimers: hideTimers, States: states,
				TimeAxis: timeAxis, Height: height}
			switch format {
			case "svg":
				err = export.SVG(w, tr, svgOpts)
			case "html":
				err = export.HTML(w, tr, svgOpts)
			case "mermaid":
				err = export.Mermaid(w, tr, export.MermaidOptions{Window: win, Truncate: truncate, MaxMessages: maxMessages,
					Timers: !hideTimers, States: states})
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
	cmd.Flags().IntVar(&maxMessages, "max-messages", export.MermaidMaxMessages, "mermaid: the most messages a diagram may hold")
	cmd.Flags().BoolVar(&hideTimers, "no-timers", false, "leave timer expiries out")
	cmd.Flags().BoolVar(&states, "states", false, "label every published state change")
	cmd.Flags().BoolVar(&timeAxis, "time-axis", false, "svg, html: space rows by virtual time, long gaps cut short")
	cmd.Flags().IntVar(&height, "height", export.SlideHeight, "svg, html: height budget in pixels (0: no limit)")
	cmd.Flags().StringSliceVarP(&checks, "check", "c", nil, "a trace: the checks whose violations to mark (default: its header's)")
	return cmd
}
