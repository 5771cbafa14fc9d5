// Package checkers is the registry of property checkers. Each subpackage
// checks one family's safety, liveness or cost over a trace (never over an
// algorithm's internals) and exports Specs(), collected here so scenario
// files can name them. The contract is in package check.
package checkers
