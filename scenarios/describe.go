package scenarios

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"distlab/algorithms"
	"distlab/algorithms/algo"
	"distlab/checkers"
	"distlab/checkers/check"
)

// Field documents one knob of a scenario file: a field of the file itself,
// an algorithm's params or workload, or a check's options. It is read from
// the Go struct the YAML is decoded into: the `yaml` tag names it, the
// `doc` tag says what it does, and the default is the value the struct
// starts with (or a `default` tag where no value says it).
type Field struct {
	Path    string // "retransmit", "network.latency.dist", "faults[].at"
	Type    string // duration, int, number, bool, string, list of …
	Default string // "" when there is none worth saying
	Doc     string
}

// Fields documents every field of v, a pointer to a struct holding its
// defaults; nested structs are flattened into dotted paths.
func Fields(v any) []Field {
	if v == nil {
		return nil
	}
	return fieldsOf(reflect.ValueOf(v), "")
}

func fieldsOf(v reflect.Value, prefix string) []Field {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v = reflect.New(v.Type().Elem())
		}
		v = v.Elem()
	}
	var out []Field
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := yamlFieldName(f)
		if !f.IsExported() || name == "-" {
			continue
		}
		path := prefix + name
		fv := v.Field(i)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		field := Field{Path: path, Type: f.Tag.Get("type"), Doc: f.Tag.Get("doc"), Default: f.Tag.Get("default")}
		switch {
		case ft.Kind() == reflect.Struct && ft != durationType && field.Type == "":
			if field.Doc != "" {
				out = append(out, Field{Path: path, Type: "mapping", Doc: field.Doc})
			}
			out = append(out, fieldsOf(fv, path+".")...)
			continue
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && field.Type == "":
			out = append(out, Field{Path: path, Type: "list", Doc: field.Doc})
			out = append(out, fieldsOf(reflect.New(ft.Elem()), path+"[].")...)
			continue
		}
		if field.Type == "" {
			field.Type = typeName(ft)
		}
		if f.Tag.Get("required") == "true" {
			field.Default = "required"
		}
		if field.Default == "" {
			field.Default = valueText(fv)
		}
		out = append(out, field)
	}
	return out
}

func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Bool:
		return "bool"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "int"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	case t.Kind() == reflect.Slice:
		elem := typeName(t.Elem())
		if strings.HasPrefix(elem, "list") {
			return "list of " + strings.Replace(elem, "list of ", "lists of ", 1)
		}
		return "list of " + elem + "s"
	case t.Kind() == reflect.Map:
		return "mapping"
	}
	return t.String()
}

// valueText writes a default as a scenario file would; "" for a value that
// says nothing (an empty list, a nil pointer).
func valueText(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == durationType:
		return time.Duration(v.Int()).String()
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = valueText(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.Kind() == reflect.String:
		if v.String() == "" {
			return `""`
		}
		return v.String()
	case v.Kind() == reflect.Interface:
		return ""
	}
	return fmt.Sprint(v.Interface())
}

// Description documents an algorithm or a check: what `distlab describe
// NAME` prints.
type Description struct {
	Name    string
	Kind    string // "algorithm" or "check"
	Family  string
	Summary string
	Checks  []string // an algorithm's default checks
	// Sections are params and workload (an algorithm) or options (a check).
	Sections []Section
}

// Section is one documented struct.
type Section struct {
	Title  string // "params", "workload", "options"
	Fields []Field
}

// Describe documents the algorithm or check named; the error lists the
// valid names. "scenario" documents the file format's own fields.
func Describe(name string) (Description, error) {
	if name == "scenario" {
		return Description{Name: "scenario", Kind: "file format", Summary: "the fields of a scenario file (format version 1)",
			Sections: []Section{{Title: "fields", Fields: FileFields()}}}, nil
	}
	if spec, err := algorithms.Lookup(name); err == nil {
		return describeAlgorithm(spec), nil
	}
	if spec, err := checkers.Lookup(name); err == nil {
		return describeCheck(spec), nil
	}
	return Description{}, fmt.Errorf("unknown algorithm or check %q (algorithms: %s; checks: %s; or scenario for the file's own fields)",
		name, strings.Join(algorithms.Names(), ", "), strings.Join(checkers.Names(), ", "))
}

func describeAlgorithm(spec algo.Spec) Description {
	d := Description{Name: spec.Name, Kind: "algorithm", Family: spec.Family, Summary: spec.Summary, Checks: slices.Clone(spec.Checks)}
	if !slices.Contains(d.Checks, noPanic) {
		d.Checks = append(d.Checks, noPanic)
	}
	if spec.Params != nil {
		d.Sections = append(d.Sections, Section{Title: "params", Fields: Fields(spec.Params())})
	}
	if spec.Workload != nil {
		d.Sections = append(d.Sections, Section{Title: "workload", Fields: Fields(spec.Workload())})
	}
	return d
}

func describeCheck(spec check.Spec) Description {
	d := Description{Name: spec.Name, Kind: "check", Family: spec.Reads(), Summary: spec.Summary}
	if spec.Options != nil {
		d.Sections = append(d.Sections, Section{Title: "options", Fields: Fields(spec.Options())})
	}
	return d
}

// FileFields documents the scenario file's own fields.
func FileFields() []Field {
	var out []Field
	for _, f := range Fields(&fileYAML{}) {
		out = append(out, f)
		if f.Path == "clocks" {
			out = append(out, Fields(&struct {
				C clockYAML `yaml:"clocks.NODE"`
			}{})...)
		}
	}
	return out
}

// WriteText prints the description for a terminal.
func (d Description) WriteText(w io.Writer) {
	head := d.Kind
	if d.Family != "" && d.Kind == "check" {
		head += ", reads " + d.Family
	} else if d.Family != "" {
		head += ", family " + d.Family
	}
	fmt.Fprintf(w, "%s (%s)\n  %s\n", d.Name, head, d.Summary)
	if len(d.Checks) > 0 {
		fmt.Fprintf(w, "  default checks: %s\n", strings.Join(d.Checks, ", "))
	}
	if len(d.Sections) == 0 {
		fmt.Fprintf(w, "\n  no %s\n", map[string]string{"algorithm": "params or workload", "check": "options"}[d.Kind])
	}
	for _, s := range d.Sections {
		fmt.Fprintf(w, "\n%s\n", s.Title)
		for _, f := range s.Fields {
			def := ""
			switch f.Default {
			case "":
			case "required":
				def = ", required"
			default:
				def = ", default " + f.Default
			}
			fmt.Fprintf(w, "  %s (%s%s)\n", f.Path, f.Type, def)
			for _, line := range wrap(f.Doc, 72) {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
}

func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// markdownTable writes fields as a Markdown table.
func markdownTable(w io.Writer, fields []Field) {
	fmt.Fprintln(w, "| field | type | default | what it does |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, f := range fields {
		def := f.Default
		if def != "" && def != "required" && (!strings.Contains(def, " ") || strings.ContainsAny(def, "[{")) {
			def = "`" + def + "`" // a value, not words
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", f.Path, f.Type, def, strings.ReplaceAll(f.Doc, "|", `\|`))
	}
}

// FormatReferenceMarker starts the generated part of FORMAT.md.
const FormatReferenceMarker = "<!-- generated by distlab describe --write-format: edit the doc tags in the Go structs, not the text below -->"

// WriteFormatReference writes the generated part of FORMAT.md: every
// field of the file, every algorithm's params and workload and every
// check's options, from the same structs `distlab describe` reads, so the
// documentation cannot drift from what the parser accepts.
func WriteFormatReference(w io.Writer) {
	fmt.Fprintln(w, FormatReferenceMarker)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Every field")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Required: `version`, `algorithm`, `nodes`, `duration`. A list item's fields are written `list[].field`.")
	fmt.Fprintln(w)
	markdownTable(w, FileFields())
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Algorithms: params and workload")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`distlab describe NAME` prints the same for one algorithm. Algorithms that share their knobs are listed together.")
	var groups [][]Description
	for _, spec := range algorithms.All() {
		d := describeAlgorithm(spec)
		i := slices.IndexFunc(groups, func(g []Description) bool {
			return g[0].Family == d.Family && reflect.DeepEqual(g[0].Sections, d.Sections) && slices.Equal(g[0].Checks, d.Checks)
		})
		if i < 0 {
			groups = append(groups, []Description{d})
		} else {
			groups[i] = append(groups[i], d)
		}
	}
	for _, g := range groups {
		var names []string
		for _, d := range g {
			names = append(names, "`"+d.Name+"`")
		}
		fmt.Fprintf(w, "\n### %s (%s)\n\n", strings.Join(names, ", "), g[0].Family)
		for _, d := range g {
			fmt.Fprintf(w, "- `%s`: %s\n", d.Name, d.Summary)
		}
		fmt.Fprintf(w, "\nDefault checks: %s.\n", strings.Join(g[0].Checks, ", "))
		if len(g[0].Sections) == 0 {
			fmt.Fprintln(w, "\nNo params or workload.")
		}
		for _, s := range g[0].Sections {
			fmt.Fprintf(w, "\n`%s:`\n\n", s.Title)
			markdownTable(w, s.Fields)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Checks and their options")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Options follow the name: `checks: [{name: mutex-liveness, bound: 2s}]`.")
	for _, spec := range checkers.All() {
		d := describeCheck(spec)
		fmt.Fprintf(w, "\n### `%s` (%s)\n\n%s.\n", d.Name, d.Family, d.Summary)
		if len(d.Sections) == 0 {
			fmt.Fprintln(w, "\nNo options.")
		}
		for _, s := range d.Sections {
			fmt.Fprintln(w)
			markdownTable(w, s.Fields)
		}
	}
}
