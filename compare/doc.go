// Package compare runs several algorithms of one family on the same
// workload and prints their measured figures beside the textbook's claims,
// for `distlab compare <family>`. It sits on both sides of the one-way
// flow on purpose: it builds runs from the algorithm registry and measures
// their traces with the family's checker, never looking inside a node.
//
//	err := compare.Mutex(os.Stdout, []int{3, 5, 10, 20}, 1)
package compare
