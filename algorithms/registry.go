package algorithms

import (
	"fmt"
	"slices"
	"strings"

	"distlab/algorithms/algo"
)

// families collects every algorithm package's specs. Each family registers
// itself from its own file here (register_<family>.go, an init that appends
// its Specs()), so adding a family touches no shared line.
var families [][]algo.Spec

// All returns every registered algorithm, sorted by family then name.
func All() []algo.Spec {
	all := slices.Concat(families...)
	slices.SortFunc(all, func(a, b algo.Spec) int {
		if c := strings.Compare(a.Family, b.Family); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return all
}

// Names lists every algorithm's name, sorted.
func Names() []string {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}

// Lookup finds an algorithm by name; the error lists the valid names.
func Lookup(name string) (algo.Spec, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return algo.Spec{}, fmt.Errorf("unknown algorithm %q (valid: %s)", name, strings.Join(Names(), ", "))
}
