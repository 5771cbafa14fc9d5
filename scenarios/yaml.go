package scenarios

import (
	"fmt"
	"reflect"
	"regexp"
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
	Version     int           `yaml:"version" required:"true" doc:"the format version; this build reads 1"`
	Name        string        `yaml:"name" default:"the file's name" doc:"the scenario's name, shown in summaries and traces"`
	Description string        `yaml:"description" doc:"what the scenario shows; distlab list prints its first line, distlab run all of it"`
	Algorithm   string        `yaml:"algorithm" required:"true" doc:"the algorithm to run; distlab list names them, distlab describe NAME documents one"`
	Nodes       int           `yaml:"nodes" required:"true" doc:"the number of servers, named n0 … n{nodes-1}; clients, if the algorithm has any, are c0, c1, …"`
	Seed        *int64        `yaml:"seed" default:"1" doc:"the seed every random choice derives from; distlab run --seed overrides it"`
	Duration    time.Duration `yaml:"duration" required:"true" doc:"how much virtual time to run; no fault may come after it"`
	Strict      bool          `yaml:"strict" doc:"re-encode every message at delivery and report a sender that changed one after sending (aliasing)"`
	MaxEvents   int64         `yaml:"max_events" default:"2000000" doc:"stop the run as a reported misuse once it has processed this many events, or has a twentieth of them pending (a message storm); raise it for longer runs, -1 for no limit"`
	Params      ast.Node      `yaml:"params" type:"mapping" doc:"the algorithm's knobs; each algorithm's are listed below"`
	Workload    ast.Node      `yaml:"workload" type:"mapping" doc:"what the application does (operations, requests, events); each algorithm's fields are listed below"`
	Network     *networkYAML  `yaml:"network" doc:"the default link between every two nodes, and per-link overrides"`
	Clocks      ast.Node      `yaml:"clocks" type:"mapping" elem:"clockYAML" key:"NODE" doc:"physical clock skew per node, e.g. n1: {offset: 30ms, drift_ppm: 200}"`
	Faults      []faultYAML   `yaml:"faults" doc:"faults written by hand; each has at and exactly one action"`
	Nemesis     *nemesisYAML  `yaml:"nemesis" doc:"random faults drawn from the seed"`
	Checks      []ast.Node    `yaml:"checks" type:"list" default:"the algorithm's own checks" doc:"the checks to run, each a name or {name: NAME, option: value…} (options listed below); no-panic is always added"`
	Expect      ast.Node      `yaml:"expect" type:"pass or {violations: [checks]}" default:"pass" doc:"pass: every check passes; {violations: [names]}: exactly these checks fail (the scenario exists to show them), all others pass"`
}

type latencyYAML struct {
	Dist   string        `yaml:"dist" default:"uniform" doc:"constant (always min), uniform (min..max), normal (mean, stddev, cut at min and max) or exponential (min + an exponential with mean, cut at max)"`
	Min    time.Duration `yaml:"min" default:"1ms" doc:"the shortest delay"`
	Max    time.Duration `yaml:"max" default:"10ms" doc:"the longest delay"`
	Mean   time.Duration `yaml:"mean" doc:"the mean (normal, exponential)"`
	StdDev time.Duration `yaml:"stddev" doc:"the standard deviation (normal)"`
}

type networkYAML struct {
	Latency   *latencyYAML `yaml:"latency" doc:"how long a message takes; differing delays reorder messages"`
	Drop      float64      `yaml:"drop" doc:"probability that a message is lost"`
	Duplicate float64      `yaml:"duplicate" doc:"probability that a message arrives twice"`
	FIFO      bool         `yaml:"fifo" doc:"no message overtakes an earlier one on its link (TCP-like)"`
	Links     []linkYAML   `yaml:"links" doc:"overrides for one-way links; what a link does not set comes from the network"`
}

type linkYAML struct {
	From      string       `yaml:"from" required:"true" doc:"the sending node"`
	To        string       `yaml:"to" required:"true" doc:"the receiving node"`
	Latency   *latencyYAML `yaml:"latency" doc:"the link's delays"`
	Drop      *float64     `yaml:"drop" doc:"the link's loss probability"`
	Duplicate *float64     `yaml:"duplicate" doc:"the link's duplication probability"`
	FIFO      *bool        `yaml:"fifo" doc:"the link keeps order"`
}

type clockYAML struct {
	Offset   time.Duration `yaml:"offset" doc:"how far the node's physical clock is ahead (negative: behind)"`
	DriftPPM float64       `yaml:"drift_ppm" doc:"how fast it runs, in parts per million (200: 0.2 ms fast each second)"`
}

type cutYAML struct {
	From string `yaml:"from" doc:"messages from this node …"`
	To   string `yaml:"to" doc:"… to this node are lost"`
}

type faultYAML struct {
	At        *time.Duration `yaml:"at" required:"true" doc:"when the fault happens; at most duration"`
	Partition [][]string     `yaml:"partition" doc:"split into groups that cannot reach each other, e.g. [[n0, n1], [n2, n3, n4]]; nodes not listed keep every link"`
	Heal      bool           `yaml:"heal" doc:"true: end every partition, cut and isolation"`
	Cut       *cutYAML       `yaml:"cut" doc:"cut one one-way link"`
	Isolate   string         `yaml:"isolate" doc:"cut this node off from everyone (or \"@leader\": the node highlighted as leader then)"`
	Rejoin    string         `yaml:"rejoin" doc:"end this node's isolation"`
	Crash     string         `yaml:"crash" doc:"crash this node: its volatile state, timers and messages to it are lost (or \"@leader\": the node highlighted as leader then; any highlight reason works)"`
	Restart   string         `yaml:"restart" doc:"restart this crashed node with its durable storage"`
	Pause     string         `yaml:"pause" doc:"stop this node's world for a while (a GC pause): it keeps its state; its timers and inbox wait and are handled, in order, when it resumes"`
	For       *time.Duration `yaml:"for" doc:"how long a pause lasts (pause only)"`
	Amnesia   bool           `yaml:"amnesia" doc:"true with crash: the node also loses its durable storage and restarts knowing nothing"`
	Drop      int64          `yaml:"drop" doc:"lose this one message in flight (its id in the trace), wherever it is: on the wire or waiting in a paused node's inbox"`
	Duplicate int64          `yaml:"duplicate" doc:"deliver this one message in flight (its id in the trace) a second time"`
}

type nemesisYAML struct {
	Start     time.Duration `yaml:"start" doc:"no fault before this"`
	End       time.Duration `yaml:"end" required:"true" doc:"at end everything heals and every crashed node restarts (at most duration)"`
	Interval  time.Duration `yaml:"interval" required:"true" doc:"mean time between faults (exponential)"`
	Partition float64       `yaml:"partition" doc:"weight of splitting the targets into two random sides"`
	Isolate   float64       `yaml:"isolate" doc:"weight of isolating one node for a while"`
	Cut       float64       `yaml:"cut" doc:"weight of cutting one random one-way link"`
	Crash     float64       `yaml:"crash" doc:"weight of crashing a node (restarted after about restart)"`
	Heal      float64       `yaml:"heal" doc:"weight of healing the network early"`
	Swizzle   float64       `yaml:"swizzle" doc:"weight of FoundationDB's swizzle-clog: isolate a random subset one by one, rejoin them in random order"`
	Pause     float64       `yaml:"pause" doc:"weight of pausing a node (stop-the-world for about pause_for)"`
	PauseFor  time.Duration `yaml:"pause_for" default:"interval" doc:"mean length of a pause (uniform 0.5× to 1.5×)"`
	Amnesia   float64       `yaml:"amnesia" doc:"probability that a crash also loses the node's durable storage"`
	MaxDown   int           `yaml:"max_down" default:"a minority" doc:"most targets crashed at once; 0: a minority, so a majority can still make progress"`
	Restart   time.Duration `yaml:"restart" default:"2×interval" doc:"mean downtime of a crashed node (uniform 0.5× to 1.5×)"`
	Targets   []string      `yaml:"targets" default:"every server" doc:"the nodes the nemesis may hit"`
	Swarm     bool          `yaml:"swarm" doc:"draw the weights above (pause included) and the network's drop and duplicate from each seed (TigerBeetle's swarm testing); distlab run prints the draw"`
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
		e := s.fromYAMLError(err, field)
		if m := unknownFieldRE.FindStringSubmatch(e.Msg); m != nil {
			if names := validFields(reflect.TypeOf(v), relPath(e.Field, field)); len(names) > 0 {
				e.Msg = fmt.Sprintf("unknown field %q (valid: %s)", m[1], strings.Join(names, ", "))
			}
		}
		return e
	}
	return nil
}

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]*)"`)

// relPath is the path of the mapping that holds an unknown key, relative
// to the node being decoded: "params.roundz" under "params" is "", and
// "network.links[0].dorp" under "" is "network.links[0]".
func relPath(full, prefix string) string {
	p := parentPath(full)
	if prefix == "" {
		return p
	}
	if p == prefix {
		return ""
	}
	return strings.TrimPrefix(p, prefix+".")
}

// validFields lists the YAML names of the struct found at path inside t
// ("network.links[0]" walks the network field, then a link), in
// declaration order; nil when the path does not lead to a struct.
func validFields(t reflect.Type, path string) []string {
	for path != "" {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		head, rest := path, ""
		if i := strings.IndexAny(path[1:], ".["); i >= 0 {
			head, rest = path[:i+1], strings.TrimPrefix(path[i+1:], ".")
		}
		switch {
		case strings.HasPrefix(head, "["):
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return nil
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fieldByYAMLName(t, head)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
		path = rest
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name := yamlFieldName(t.Field(i)); name != "-" && t.Field(i).IsExported() {
			names = append(names, name)
		}
	}
	return names
}

func fieldByYAMLName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if yamlFieldName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// yamlFieldName is the key a struct field is read from.
func yamlFieldName(f reflect.StructField) string {
	name := strings.Split(f.Tag.Get("yaml"), ",")[0]
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
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
				if yamlFieldName(f) == key {
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
