// Command tuidemo opens the visualizer on a trace file, or on the toy
// protocol of distlab/algorithms/demo/toy (replayed or live), until `distlab tui` is
// wired to scenarios.
//
//	go run ./tui/cmd/tuidemo run.jsonl        # replay a trace file
//	go run ./tui/cmd/tuidemo                  # replay the toy trace
//	go run ./tui/cmd/tuidemo -live            # step the toy simulator live
//	go run ./tui/cmd/tuidemo -big 100000      # a large toy trace
//	go run ./tui/cmd/tuidemo -write toy.jsonl # write the toy trace and exit
//	go run ./tui/cmd/tuidemo -dump 100x30     # print one frame and exit
//	go run ./tui/cmd/tuidemo -export shiviz   # write svg, html, mermaid or shiviz to stdout
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"distlab/algorithms/demo/toy"
	"distlab/checkers/check"
	"distlab/export"
	"distlab/simnet/trace"
	"distlab/tui"
)

func main() {
	live := flag.Bool("live", false, "run the toy simulator live")
	big := flag.Int("big", 0, "replay a toy trace of at least this many events")
	write := flag.String("write", "", "write the toy trace to this file and exit")
	dump := flag.String("dump", "", "print one frame of this size (WxH) and exit")
	keys := flag.String("keys", "", "with -dump: keys to press first (each rune one key)")
	exp := flag.String("export", "", "write the trace as svg, html, mermaid or shiviz to stdout and exit")
	fake := flag.Bool("violation", true, "with the toy trace: pretend a check failed at the first commit on n2")
	flag.Parse()

	var m *tui.Model
	switch {
	case *live:
		sim := toy.New(toy.Config{Seed: 3, Faults: true, Drop: 0.05, Dup: 0.05})
		m = tui.NewLive(sim, tui.Options{Until: 100 * time.Millisecond})
	default:
		var tr *trace.Trace
		var verdicts []check.Result
		switch {
		case flag.NArg() > 0:
			var err error
			tr, err = trace.ReadFile(flag.Arg(0))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		case *big > 0:
			tr = toy.Big(*big)
		default:
			tr = toy.Small()
			if *fake {
				verdicts = toyVerdicts(tr)
			}
		}
		if *exp != "" {
			if err := doExport(*exp, tr, verdicts); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
		if *write != "" {
			if err := trace.WriteFile(*write, tr); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
		m = tui.NewModel(tr, verdicts, tui.Options{})
	}
	if *dump != "" {
		var w, h int
		fmt.Sscanf(*dump, "%dx%d", &w, &h)
		var mm tea.Model = m
		mm, _ = mm.Update(tea.WindowSizeMsg{Width: w, Height: h})
		for _, r := range *keys {
			mm, _ = mm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		fmt.Println(mm.View())
		return
	}
	if err := tui.Run(m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func doExport(format string, tr *trace.Trace, verdicts []check.Result) error {
	switch format {
	case "svg":
		return export.SVG(os.Stdout, tr, export.SVGOptions{Verdicts: verdicts})
	case "html":
		return export.HTML(os.Stdout, tr, export.SVGOptions{Verdicts: verdicts})
	case "mermaid":
		return export.Mermaid(os.Stdout, tr, export.MermaidOptions{Truncate: true})
	case "shiviz":
		return export.ShiViz(os.Stdout, tr, export.ShiVizOptions{})
	}
	return fmt.Errorf("unknown export format %q (svg, html, mermaid, shiviz)", format)
}

// toyVerdicts pretends a checker found a violation, to show how one looks.
func toyVerdicts(tr *trace.Trace) []check.Result {
	res := []check.Result{{Name: "toy-liveness", Verdict: check.Pass, Detail: "every ping answered"}}
	for _, e := range tr.All() {
		if e.Kind == trace.State && e.Name == "seen" && tr.NodeName(e.Node) == "n2" && e.Time > 30*time.Millisecond {
			res = append(res, check.Result{Name: "toy-agreement", Verdict: check.Fail, At: e.Time,
				Nodes: []string{"n2"}, Events: []int{e.Index},
				Detail: "n2 saw a ping after the partition began (a made-up rule, to show how a violation looks)"})
			break
		}
	}
	return res
}
