// Package checkers is the registry of property checkers. Each subpackage
// checks one family's safety, liveness or cost over a trace (never over an
// algorithm's internals) and exports Specs(), collected here so scenario
// files can name them. The contract is in package check; Run is the one
// way any check is run (no evidence, no pass; bounded; a panic is
// unknown), and Session feeds the incremental ones while a run is
// recorded.
package checkers
