package tui

import tea "github.com/charmbracelet/bubbletea"

// Run starts the visualizer full screen, with the mouse wheel on, and
// returns when the user quits. Bubble Tea restores the terminal (main
// screen, cursor, mouse) however it ends: q, ctrl+c, or a panic, which it
// reports after restoring.
func Run(m tea.Model, extra ...tea.ProgramOption) error {
	_, err := program(m, extra...).Run()
	return err
}

// program is the Bubble Tea program Run runs (tests give it their own
// input and output).
func program(m tea.Model, extra ...tea.ProgramOption) *tea.Program {
	opts := append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion()}, extra...)
	return tea.NewProgram(m, opts...)
}
