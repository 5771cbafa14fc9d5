package checkers

import (
	"fmt"
	"slices"
	"strings"

	"distlab/checkers/check"
)

// families collects every checker package's specs; each family registers
// itself from its own file here (register_<family>.go, an init appending
// its Specs()), so adding one touches no shared line.
var families [][]check.Spec

// All returns every registered checker, sorted by name.
func All() []check.Spec {
	all := slices.Concat(families...)
	slices.SortFunc(all, func(a, b check.Spec) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// Names lists every checker's name, sorted.
func Names() []string {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return names
}

// Lookup finds a checker by name; the error lists the valid names.
func Lookup(name string) (check.Spec, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return check.Spec{}, fmt.Errorf("unknown check %q (valid: %s)", name, strings.Join(Names(), ", "))
}
