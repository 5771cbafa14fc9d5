// Package tui is distlab's terminal visualizer: a space-time diagram of a
// run, one lane per node and virtual time flowing down, each message a line
// from the row where it was sent to the row where it arrived, with a side
// panel for the selected event and every node's visible state, a status
// line, and the keys one expects (space plays, n/p step, / searches, f
// filters, v jumps to the next violation). To teach with, it shows an
// event's causal past and future (c), follows a client operation (o),
// lays out each node's state over time (s), spaces rows by virtual time
// (t), and lets one break a live run from the keyboard and save the
// session as a scenario that replays it.
//
// It reads only a trace (and the checks' verdicts, if any), so it shows a
// recorded run and a live one the same way:
//
//	m := tui.NewModel(tr, verdicts, tui.Options{})          // replay a trace
//	m := tui.NewReading(stream, tui.Options{Checks: judge})  // a trace file, read behind the screen
//	m := tui.NewLive(sim, tui.Options{Until: 10*time.Second}) // step a *simnet.Sim as it runs
//	err := tui.Run(m)
//
// Rendering is a pure function of the model (View reads, never writes), and
// draws only the rows on screen, so a frame of a 100,000-event trace costs
// a few milliseconds at most (see BenchmarkRenderFrame).
package tui
