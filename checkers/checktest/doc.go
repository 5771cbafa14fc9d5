// Package checktest holds what the checkers' own tests share: judging a
// trace event by event the way a session does while a run is recorded, so
// that a test can compare it with the check folded over the whole trace.
package checktest
