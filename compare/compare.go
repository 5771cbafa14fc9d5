package compare

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"distlab/algorithms"
	"distlab/algorithms/algo"
	"distlab/checkers/check"
	"distlab/scenarios"
)

// Options choose what to measure.
type Options struct {
	Sizes []int // cluster sizes (default: the claims' own)
	Seed  int64 // the first seed (default 1)
	Seeds int   // seeds per row (default: the claims' own)
}

// Families lists the families whose algorithms declare claims.
func Families() []string {
	var out []string
	for _, s := range algorithms.All() {
		if len(s.Claims) > 0 && !slices.Contains(out, s.Family) {
			out = append(out, s.Family)
		}
	}
	sort.Strings(out)
	return out
}

// Table is a family's comparison: one section per situation.
type Table struct {
	Family   string
	Seed     int64
	Seeds    int
	Sections []Section
	Readings []Reading
}

// Section is one situation's table.
type Section struct {
	Situation string
	Note      string
	Labels    []string // the figures' labels, in order
	Rows      []Row
}

// Row is one algorithm at one cluster size, averaged over seeds.
type Row struct {
	Algorithm string
	Nodes     int
	Runs      int                // runs in which the first figure was measured
	Values    map[string]float64 // numeric figures by label (absent: never measured)
	Texts     map[string]string  // gathered figures ("Request 1.00, Grant 1.00")
	Parts     map[string]map[string]float64
	Textbook  []string // "label: claim" for the figures with one
}

// Reading is an algorithm's explanation of its figures.
type Reading struct {
	Algorithm string
	Text      string
}

// Measure runs the family's claims.
func Measure(family string, opts Options) (*Table, error) {
	var specs []algo.Spec
	for _, s := range algorithms.All() {
		if s.Family == family && len(s.Claims) > 0 {
			specs = append(specs, s)
		}
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("no comparison for family %q (valid: %s)", family, strings.Join(Families(), ", "))
	}
	for _, n := range opts.Sizes {
		if n < 2 {
			return nil, fmt.Errorf("cluster size %d: a comparison needs at least 2 nodes", n)
		}
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	t := &Table{Family: family, Seed: opts.Seed}
	for _, spec := range specs {
		for _, c := range spec.Claims {
			sec := t.section(c)
			for _, f := range c.Figures {
				if !slices.Contains(sec.Labels, f.Label) {
					sec.Labels = append(sec.Labels, f.Label)
				}
			}
			sizes := opts.Sizes
			if len(sizes) == 0 {
				sizes = c.Sizes
			}
			seeds := opts.Seeds
			if seeds <= 0 {
				seeds = max(c.Seeds, 1)
			}
			t.Seeds = max(t.Seeds, seeds)
			for _, n := range sizes {
				row, err := measure(spec, c, n, opts.Seed, seeds)
				if err != nil {
					return nil, err
				}
				sec.Rows = append(sec.Rows, row)
			}
			if c.Reading != "" {
				t.Readings = append(t.Readings, Reading{Algorithm: spec.Name, Text: c.Reading})
			}
		}
	}
	return t, nil
}

func (t *Table) section(c algo.Claim) *Section {
	for i := range t.Sections {
		if t.Sections[i].Situation == c.Situation {
			if t.Sections[i].Note == "" {
				t.Sections[i].Note = c.Note
			}
			return &t.Sections[i]
		}
	}
	t.Sections = append(t.Sections, Section{Situation: c.Situation, Note: c.Note})
	return &t.Sections[len(t.Sections)-1]
}

// measure runs one algorithm at one size over seeds and averages each
// figure over the runs that reported it.
func measure(spec algo.Spec, c algo.Claim, n int, seed int64, seeds int) (Row, error) {
	row := Row{Algorithm: spec.Name, Nodes: n, Values: map[string]float64{}, Texts: map[string]string{}, Parts: map[string]map[string]float64{}}
	sums := map[string]float64{}
	counts := map[string]int{}
	for s := seed; s < seed+int64(seeds); s++ {
		src := fmt.Sprintf("version: 1\nname: compare-%s\nalgorithm: %s\nnodes: %d\nseed: %d\n%s", spec.Family, spec.Name, n, s, c.Scenario)
		sc, err := scenarios.Parse(fmt.Sprintf("%s claim %q", spec.Name, c.Situation), []byte(src))
		if err != nil {
			return row, fmt.Errorf("the claim's scenario does not load: %w", err)
		}
		res, err := sc.Run(scenarios.RunOptions{})
		if err != nil {
			return row, err
		}
		byCheck := map[string]check.Result{}
		for _, r := range res.Checks {
			byCheck[r.Name] = r
		}
		for k, f := range c.Figures {
			r, ok := byCheck[f.Check]
			if !ok {
				return row, fmt.Errorf("%s's claim %q measures %s with %s, which its scenario does not run", spec.Name, c.Situation, f.Label, f.Check)
			}
			scale := f.Scale
			if scale == 0 {
				scale = 1
			}
			if prefix, gather := strings.CutSuffix(f.Metric, "/*"); gather {
				parts := row.Parts[f.Label]
				if parts == nil {
					parts = map[string]float64{}
					row.Parts[f.Label] = parts
				}
				for name, v := range r.Metrics {
					if part, ok := strings.CutPrefix(name, prefix+"/"); ok {
						parts[part] += v * scale
					}
				}
				counts[f.Label]++
				continue
			}
			v, ok := r.Metrics[f.Metric]
			if !ok {
				continue
			}
			sums[f.Label] += v * scale
			counts[f.Label]++
			if k == 0 {
				row.Runs++
			}
		}
	}
	for _, f := range c.Figures {
		k := counts[f.Label]
		if k == 0 {
			continue
		}
		if parts, ok := row.Parts[f.Label]; ok {
			var names []string
			for name := range parts {
				parts[name] /= float64(k)
				names = append(names, name)
			}
			sort.Strings(names)
			var text []string
			for _, name := range names {
				text = append(text, fmt.Sprintf("%s %.2f", name, parts[name]))
			}
			row.Texts[f.Label] = strings.Join(text, ", ")
			continue
		}
		row.Values[f.Label] = sums[f.Label] / float64(k)
	}
	for _, f := range c.Figures {
		if f.Textbook != nil {
			if claim := f.Textbook(n); claim != "" {
				row.Textbook = append(row.Textbook, f.Label+": "+claim)
			}
		}
	}
	return row, nil
}

// Print measures the family and prints its tables.
func Print(w io.Writer, family string, opts Options) error {
	t, err := Measure(family, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: the family's algorithms on the same scenarios; each row averages %d seed(s) from seed %d.\n", t.Family, t.Seeds, t.Seed)
	fmt.Fprintf(w, "Figures are the metrics of the checks each scenario runs; \"-\" means never measured.\n")
	for _, sec := range t.Sections {
		fmt.Fprintf(w, "\n%s: %s\n\n", sec.Situation, sec.Note)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "algorithm\tn\truns\t")
		for _, l := range sec.Labels {
			fmt.Fprintf(tw, "%s\t", l)
		}
		fmt.Fprintln(tw, "textbook\t")
		for _, r := range sec.Rows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t", r.Algorithm, r.Nodes, r.Runs)
			for _, l := range sec.Labels {
				switch v, ok := r.Values[l]; {
				case ok:
					fmt.Fprintf(tw, "%.2f\t", v)
				case r.Texts[l] != "":
					fmt.Fprintf(tw, "%s\t", r.Texts[l])
				default:
					fmt.Fprint(tw, "-\t")
				}
			}
			fmt.Fprintf(tw, "%s\t\n", strings.Join(r.Textbook, "; "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(t.Readings) > 0 {
		fmt.Fprintln(w, "\nReading it:")
		for _, r := range t.Readings {
			fmt.Fprintf(w, "  %s\n    %s\n", r.Algorithm, strings.ReplaceAll(strings.TrimSpace(r.Text), "\n", "\n    "))
		}
	}
	return nil
}
