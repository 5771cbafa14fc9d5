package scenarios

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The shapes below mirror the YAML file. Parts whose shape depends on the
// algorithm or checker (params, workload, check options) stay AST nodes until
// the algorithm is known.

type fileYAML struct {
	Version     int           `yaml:"version"`
	Name        string        `yaml:"name"`
	Description string        `yaml:"description"`
	Algorithm   string        `yaml:"algorithm"`
	Nodes       int           `yaml:"nodes"`
	Seed        *int64        `yaml:"seed"`
	Duration    time.Duration `yaml:"duration"`
	Strict      bool          `yaml:"strict"`
	Params      ast.Node      `yaml:"params"`
	Workload    ast.Node      `yaml:"workload"`
	Network     *networkYAML  `yaml:"network"`
	Clocks      ast.Node      `yaml:"clocks"`
	Faults      []faultYAML   `yaml:"faults"`
	Nemesis     *nemesisYAML  `yaml:"nemesis"`
	Checks      []ast.Node    `yaml:"checks"`
	Expect      ast.Node      `yaml:"expect"`
}

type latencyYAML struct {
	Dist   string        `yaml:"dist"`
	Min    time.Duration `yaml:"min"`
	Max    time.Duration `yaml:"max"`
	Mean   time.Duration `yaml:"mean"`
	StdDev time.Duration `yaml:"stddev"`
}

type networkYAML struct {
	Latency   *latencyYAML `yaml:"latency"`
	Drop      float64      `yaml:"drop"`
	Duplicate float64      `yaml:"duplicate"`
	FIFO      bool         `yaml:"fifo"`
	Links     []linkYAML   `yaml:"links"`
}

type linkYAML struct {
	From      string       `yaml:"from"`
	To        string       `yaml:"to"`
	Latency   *latencyYAML `yaml:"latency"`
	Drop      *float64     `yaml:"drop"`
	Duplicate *float64     `yaml:"duplicate"`
	FIFO      *bool        `yaml:"fifo"`
}

type clockYAML struct {
	Offset   time.Duration `yaml:"offset"`
	DriftPPM float64       `yaml:"drift_ppm"`
}

type cutYAML struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

type faultYAML struct {
	At        *time.Duration `yaml:"at"`
	Partition [][]string     `yaml:"partition"`
	Heal      bool           `yaml:"heal"`
	Cut       *cutYAML       `yaml:"cut"`
	Isolate   string         `yaml:"isolate"`
	Rejoin    string         `yaml:"rejoin"`
	Crash     string         `yaml:"crash"`
	Restart   string         `yaml:"restart"`
	Pause     string         `yaml:"pause"`
	For       *time.Duration `yaml:"for"`
	Amnesia   bool           `yaml:"amnesia"`
	Drop      int64          `yaml:"drop"`
	Duplicate int64          `yaml:"duplicate"`
}

type nemesisYAML struct {
	Start     time.Duration `yaml:"start"`
	End       time.Duration `yaml:"end"`
	Interval  time.Duration `yaml:"interval"`
	Partition float64       `yaml:"partition"`
	Isolate   float64       `yaml:"isolate"`
	Cut       float64       `yaml:"cut"`
	Crash     float64       `yaml:"crash"`
	Heal      float64       `yaml:"heal"`
	Swizzle   float64       `yaml:"swizzle"`
	Pause     float64       `yaml:"pause"`
	PauseFor  time.Duration `yaml:"pause_for"`
	Amnesia   float64       `yaml:"amnesia"`
	MaxDown   int           `yaml:"max_down"`
	Restart   time.Duration `yaml:"restart"`
	Targets   []string      `yaml:"targets"`
	Swarm     bool          `yaml:"swarm"`
}

// Error is a scenario problem located in its file.
type Error struct {
	File   string
	Line   int // 0 when unknown
	Column int
	Field  string // YAML path such as faults[2].crash; "" when unknown
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// source is a parsed file, kept to locate fields in error messages.
type source struct {
	file string
	ast  *ast.File
}

// errAt builds an Error for the field at path ("faults[2].crash").
func (s *source) errAt(path string, format string, args ...any) *Error {
	e := &Error{File: s.file, Field: path, Msg: fmt.Sprintf(format, args...)}
	if s.ast != nil {
		for p := path; p != ""; p = parentPath(p) {
			if n := s.lookup(p); n != nil {
				tok := n.GetToken()
				if tok != nil && tok.Position != nil {
					e.Line, e.Column = tok.Position.Line, tok.Position.Column
				}
				break
			}
		}
	}
	return e
}

func (s *source) lookup(path string) ast.Node {
	p, err := yaml.PathString("$." + path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(s.ast)
	if err != nil {
		return nil
	}
	return n
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// fromYAMLError turns a go-yaml error into an Error with its position.
func (s *source) fromYAMLError(err error, prefix string) *Error {
	var ye yaml.Error
	if e, ok := err.(yaml.Error); ok {
		ye = e
	}
	if ye == nil {
		return &Error{File: s.file, Field: prefix, Msg: err.Error()}
	}
	out := &Error{File: s.file, Msg: ye.GetMessage()}
	if tok := ye.GetToken(); tok != nil && tok.Position != nil {
		out.Line, out.Column = tok.Position.Line, tok.Position.Column
		out.Field = s.pathAt(tok.Position.Line, tok.Position.Column)
	}
	if out.Field == "" {
		out.Field = prefix
	}
	return out
}

// pathAt finds the YAML path of the node at a position.
func (s *source) pathAt(line, col int) string {
	if s.ast == nil {
		return ""
	}
	var found string
	for _, doc := range s.ast.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			tok := n.GetToken()
			if tok != nil && tok.Position != nil && tok.Position.Line == line && tok.Position.Column == col {
				if p := strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), "."); p != "" {
					found = p
				}
			}
			return true
		}), doc)
	}
	return found
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// decodeNode decodes an AST node into v strictly (unknown fields are
// errors), checking durations first so a bad one is reported where it is.
func (s *source) decodeNode(n ast.Node, v any, field string) (err error) {
	if n == nil {
		return nil
	}
	// go-yaml can panic on odd input (a tag on a sequence, found by
	// fuzzing); that is still bad input, reported as such.
	defer func() {
		if r := recover(); r != nil {
			err = s.errAtNode(n, field, "cannot read this value (%v)", r)
		}
	}()
	if err := s.checkDurations(n, reflect.TypeOf(v), field); err != nil {
		return err
	}
	if err := yaml.NodeToValue(n, v, yaml.Strict()); err != nil {
		return s.fromYAMLError(err, field)
	}
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// checkDurations walks a mapping alongside the Go type it will be decoded
// into and parses every duration, because go-yaml reports a bad duration
// without its position.
func (s *source) checkDurations(n ast.Node, t reflect.Type, field string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		if sc, ok := n.(ast.ScalarNode); ok {
			text := fmt.Sprint(sc.GetValue())
			if text == "0" {
				return nil
			}
			if _, err := time.ParseDuration(text); err != nil {
				return s.errAtNode(n, field, "%q is not a duration (write it with a unit: 500ms, 2s, 1m30s)", text)
			}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := n.(*ast.MappingNode)
		if !ok {
			return nil
		}
		for _, kv := range m.Values {
			key := kv.Key.String()
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				name := strings.Split(f.Tag.Get("yaml"), ",")[0]
				if name == "" {
					name = strings.ToLower(f.Name)
				}
				if name == key {
					if err := s.checkDurations(kv.Value, f.Type, joinPath(field, key)); err != nil {
						return err
					}
				}
			}
		}
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for i, item := range seq.Values {
				if err := s.checkDurations(item, t.Elem(), fmt.Sprintf("%s[%d]", field, i)); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if m, ok := n.(*ast.MappingNode); ok {
			for _, kv := range m.Values {
				if err := s.checkDurations(kv.Value, t.Elem(), joinPath(field, kv.Key.String())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func (s *source) errAtNode(n ast.Node, field, format string, args ...any) *Error {
	e := &Error{File: s.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if tok := n.GetToken(); tok != nil && tok.Position != nil {
		e.Line, e.Column = tok.Position.Line, tok.Position.Column
	}
	return e
}

// parseFile parses YAML text into the file shape, with positioned errors.
func parseFile(name string, data []byte) (fy *fileYAML, src *source, err error) {
	src = &source{file: name}
	defer func() {
		if r := recover(); r != nil {
			fy, err = nil, &Error{File: name, Msg: fmt.Sprintf("cannot parse this YAML (%v)", r)}
		}
	}()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, src, src.fromYAMLError(err, "")
	}
	src.ast = f
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, src, &Error{File: name, Msg: "empty scenario: it needs at least version, algorithm, nodes and duration"}
	}
	if _, ok := f.Docs[0].Body.(*ast.MappingNode); !ok {
		return nil, src, src.errAtNode(f.Docs[0].Body, "", "a scenario is a YAML mapping (key: value lines), not a %s", f.Docs[0].Body.Type())
	}
	fy = &fileYAML{}
	if err := src.decodeNode(f.Docs[0].Body, fy, ""); err != nil {
		return nil, src, err
	}
	return fy, src, nil
}
