package export

import (
	"bufio"
	"fmt"
	"io"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// HTML writes a self-contained page (no scripts, no external files) with
// the run's header, a legend, the checks' verdicts when given, and the SVG
// diagram; hovering an element shows the event in full.
func HTML(w io.Writer, tr *trace.Trace, opts SVGOptions) error {
	bw := bufio.NewWriter(w)
	h := tr.Header
	title := opts.Title
	if title == "" {
		title = fmt.Sprintf("%s %s seed %d", h.Scenario, h.Algorithm, h.Seed)
	}
	fmt.Fprintf(bw, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#0f172a}
.meta{color:#475569}.legend span{margin-right:1.2rem;white-space:nowrap}
.pass{color:#15803d}.fail{color:#dc2626;font-weight:bold}.unknown{color:#b45309}
.diagram{overflow:auto;border:1px solid #e2e8f0;max-height:85vh}
</style></head><body>
<h1>%s</h1>
<p class="meta">scenario %s · algorithm %s · seed %d · %d nodes · %d events · ends at %s</p>
<p class="legend"><span>● message delivered (line from its send)</span><span style="color:#d97706">- - duplicate</span><span style="color:#dc2626">✕ lost</span><span style="color:#dc2626">✖ crash</span><span style="color:#16a34a">▲ restart</span><span style="color:#a16207">◆ mark</span><span style="color:#7e22ce">▒ partition (lanes coloured by side)</span><span style="color:#ca8a04">▮ thick lane: leader, coordinator, in the critical section or holding the token</span></p>
`, esc(title), esc(title), esc(h.Scenario), esc(h.Algorithm), h.Seed, len(h.Nodes), tr.Len(), tr.End())
	if len(opts.Verdicts) > 0 {
		bw.WriteString("<ul>\n")
		for _, v := range opts.Verdicts {
			cls := "pass"
			switch v.Verdict {
			case check.Fail:
				cls = "fail"
			case check.Unknown:
				cls = "unknown"
			}
			fmt.Fprintf(bw, `<li class="%s">%s %s: %s</li>`+"\n", cls, esc(string(v.Verdict)), esc(v.Name), esc(v.Detail))
		}
		bw.WriteString("</ul>\n")
	}
	bw.WriteString(`<div class="diagram">` + "\n")
	writeSVG(bw, tr, opts)
	bw.WriteString("</div>\n</body></html>\n")
	return bw.Flush()
}
