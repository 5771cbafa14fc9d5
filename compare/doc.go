// Package compare runs a family's algorithms on the same scenarios and
// prints their measured figures beside the textbook's claims, for
// `distlab compare FAMILY`. What to run and what to measure is data on
// each algorithm's Spec (algo.Claim: a situation, its scenario, the
// figures as check metrics, the textbook's formula); this package is one
// generic runner, so a new family's comparison touches nothing here.
//
//	err := compare.Print(os.Stdout, "mutex", compare.Options{Sizes: []int{3, 5}})
package compare
