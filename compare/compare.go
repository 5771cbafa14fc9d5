package compare

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/sync/errgroup"

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
	Algorithm string // the algorithm's name, and its claim's variant if it has one
	Nodes     int
	Seeds     int                // seeds run
	Runs      int                // runs in which the first figure was measured
	Values    map[string]float64 // numeric figures by label (absent: never measured)
	Errors    map[string]float64 // standard errors of the means, for figures that ask
	Formats   map[string]string  // printf verbs of figures that set one
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
				t.Readings = append(t.Readings, Reading{Algorithm: rowName(spec, c), Text: c.Reading})
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

// measure runs one algorithm at one size over seeds (in parallel; the
// figures are combined in seed order, so the row is the same however the
// runs were scheduled) and combines each figure over the runs that
// reported it.
func measure(spec algo.Spec, c algo.Claim, n int, seed int64, seeds int) (Row, error) {
	row := Row{Algorithm: rowName(spec, c), Nodes: n, Seeds: seeds, Values: map[string]float64{}, Errors: map[string]float64{},
		Formats: map[string]string{}, Texts: map[string]string{}, Parts: map[string]map[string]float64{}}
	results := make([]map[string]check.Result, seeds)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range seeds {
		g.Go(func() error {
			s := seed + int64(i)
			src := fmt.Sprintf("version: 1\nname: compare-%s\nalgorithm: %s\nnodes: %d\nseed: %d\n%s", spec.Family, spec.Name, n, s, c.Scenario)
			sc, err := scenarios.Parse(fmt.Sprintf("%s claim %q", spec.Name, c.Situation), []byte(src))
			if err != nil {
				return fmt.Errorf("the claim's scenario does not load: %w", err)
			}
			res, err := sc.Run(scenarios.RunOptions{})
			if err != nil {
				return err
			}
			byCheck := map[string]check.Result{}
			for _, r := range res.Checks {
				byCheck[r.Name] = r
			}
			results[i] = byCheck
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return row, err
	}
	values := map[string][]float64{}
	counts := map[string]int{}
	for _, byCheck := range results {
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
			values[f.Label] = append(values[f.Label], v*scale)
			if k == 0 {
				row.Runs++
			}
		}
	}
	for _, f := range c.Figures {
		if f.Format != "" {
			row.Formats[f.Label] = f.Format
		}
		if parts, ok := row.Parts[f.Label]; ok && counts[f.Label] > 0 {
			var names []string
			for name := range parts {
				parts[name] /= float64(counts[f.Label])
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
		vs := values[f.Label]
		if len(vs) == 0 {
			continue
		}
		switch f.Aggregate {
		case "max":
			row.Values[f.Label] = slices.Max(vs)
		default:
			mean, se := meanAndError(vs)
			row.Values[f.Label] = mean
			if f.StdErr {
				row.Errors[f.Label] = se
			}
		}
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

// rowName is the algorithm's name, and the claim's variant if it has one.
func rowName(spec algo.Spec, c algo.Claim) string {
	if c.Variant != "" {
		return spec.Name + " " + c.Variant
	}
	return spec.Name
}

// meanAndError is the mean of xs and its standard error (the sample
// standard deviation over √n; 0 for a single value).
func meanAndError(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / math.Sqrt(float64(len(xs)))
}

// Print measures the family and prints its tables.
func Print(w io.Writer, family string, opts Options) error {
	t, err := Measure(family, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: the family's algorithms on the same scenarios; each row combines the seeds in its seeds column, from seed %d.\n", t.Family, t.Seed)
	fmt.Fprintf(w, "Figures are the metrics of the checks each scenario runs (the mean over the runs that measured them; \"±\" its standard error); \"-\" means never measured.\n")
	for _, sec := range t.Sections {
		fmt.Fprintf(w, "\n%s: %s\n\n", sec.Situation, sec.Note)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "algorithm\tn\tseeds\truns\t")
		for _, l := range sec.Labels {
			fmt.Fprintf(tw, "%s\t", l)
		}
		fmt.Fprintln(tw, "textbook\t")
		for _, r := range sec.Rows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t", r.Algorithm, r.Nodes, r.Seeds, r.Runs)
			for _, l := range sec.Labels {
				format := "%.2f"
				if f, ok := r.Formats[l]; ok {
					format = f
				}
				switch v, ok := r.Values[l]; {
				case ok:
					text := fmt.Sprintf(format, v)
					if se, ok := r.Errors[l]; ok {
						text += " ±" + fmt.Sprintf(format, se)
					}
					fmt.Fprintf(tw, "%s\t", text)
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
