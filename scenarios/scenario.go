package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"distlab/algorithms"
	"distlab/algorithms/algo"
	"distlab/checkers"
	"distlab/contract"
	"distlab/simnet"
	"distlab/simnet/trace"
)

// FormatVersion is the scenario format version this build reads.
const FormatVersion = 1

// Scenario is a parsed and validated scenario file.
type Scenario struct {
	Path        string // the file it came from, or a name for one built in memory
	Name        string
	Description string
	Algorithm   string
	Nodes       int
	Seed        int64
	Duration    time.Duration
	Strict      bool
	MaxEvents   int64 // 0: simnet.DefaultMaxEvents; negative: no limit

	// Params and Workload are the algorithm's own structs (the pointers its
	// Spec returned), filled from the file.
	Params   any
	Workload any

	Network simnet.Link
	Links   []LinkSpec
	Clocks  []ClockSpec
	Faults  []FaultSpec
	Nemesis *NemesisSpec
	Checks  []CheckSpec
	// Expect lists the checks that must fail; every other check must pass.
	Expect []string

	spec algo.Spec
	src  *source
}

// LinkSpec overrides one one-way link.
type LinkSpec struct {
	From, To string
	Link     simnet.Link
}

// ClockSpec skews one node's physical clock.
type ClockSpec struct {
	Node string
	Skew simnet.ClockSkew
}

// FaultSpec is a fault with node names rather than ids.
type FaultSpec struct {
	At       time.Duration
	Kind     simnet.FaultKind
	Groups   [][]string
	Node     string
	From, To string
	For      time.Duration // pause; a crash's downtime
	Amnesia  bool          // crash
	Msg      int64         // drop, duplicate: the message's id in the run
}

// NemesisSpec is a random fault generator and the nodes it may hit.
type NemesisSpec struct {
	simnet.Nemesis
	Targets []string // empty: every server
	// Swarm draws the fault weights and the network's loss and duplication
	// from each run's seed (TigerBeetle's swarm testing); the run's summary
	// prints what was drawn.
	Swarm bool
}

// Load reads and validates a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads and validates scenario text; name is used in errors.
func Parse(name string, data []byte) (*Scenario, error) {
	fy, src, err := parseFile(name, data)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{Path: name, src: src}
	if err := sc.fill(fy); err != nil {
		return nil, err
	}
	// Building once checks every node name against what the algorithm creates.
	if _, err := sc.build(sc.Seed); err != nil {
		return nil, err
	}
	return sc, nil
}

func (sc *Scenario) fill(fy *fileYAML) error {
	src := sc.src
	switch {
	case fy.Version == 0:
		return src.errAt("", "missing version: add `version: %d` as the first line", FormatVersion)
	case fy.Version != FormatVersion:
		return src.errAt("version", "scenario format version %d is not supported (this build reads version %d)", fy.Version, FormatVersion)
	case fy.Algorithm == "":
		return src.errAt("", "missing algorithm (valid: %s)", strings.Join(algorithms.Names(), ", "))
	case fy.Nodes <= 0:
		return src.errAt("nodes", "nodes must be a positive number of servers")
	case fy.Nodes > 1000:
		return src.errAt("nodes", "nodes must be at most 1000, got %d", fy.Nodes)
	case fy.Duration <= 0:
		return src.errAt("duration", "duration must be a positive virtual time such as 10s")
	}
	spec, err := algorithms.Lookup(fy.Algorithm)
	if err != nil {
		return src.errAt("algorithm", "%v", err)
	}
	sc.spec = spec
	sc.Name = fy.Name
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(sc.Path), filepath.Ext(sc.Path))
	}
	sc.Description = strings.TrimSpace(fy.Description)
	sc.Algorithm, sc.Nodes, sc.Duration, sc.Strict, sc.MaxEvents = fy.Algorithm, fy.Nodes, fy.Duration, fy.Strict, fy.MaxEvents
	sc.Seed = 1
	if fy.Seed != nil {
		sc.Seed = *fy.Seed
	}
	if sc.Params, err = decodeSection(src, fy.Params, spec.Params, "params", spec.Name); err != nil {
		return err
	}
	if sc.Workload, err = decodeSection(src, fy.Workload, spec.Workload, "workload", spec.Name); err != nil {
		return err
	}
	if err := sc.fillNetwork(fy.Network); err != nil {
		return err
	}
	if err := sc.fillClocks(fy.Clocks); err != nil {
		return err
	}
	if err := sc.fillFaults(fy.Faults); err != nil {
		return err
	}
	if n := fy.Nemesis; n != nil {
		sc.Nemesis = &NemesisSpec{Nemesis: simnet.Nemesis{Start: n.Start, End: n.End, Interval: n.Interval,
			Partition: n.Partition, Isolate: n.Isolate, Cut: n.Cut, Crash: n.Crash, Heal: n.Heal,
			Swizzle: n.Swizzle, Pause: n.Pause, PauseFor: n.PauseFor, Amnesia: n.Amnesia,
			MaxDown: n.MaxDown, Restart: n.Restart}, Targets: n.Targets, Swarm: n.Swarm}
		check := sc.Nemesis.Nemesis
		if n.Swarm {
			check.Crash = 1 // the weights are drawn per run; the rest must still make sense
		}
		if err := check.Validate(); err != nil {
			return src.errAt("nemesis", "%v", err)
		}
		if n.End > sc.Duration {
			return src.errAt("nemesis.end", "end %v is after the run's end (duration %v): the nemesis's final heal and restarts would never happen", n.End, sc.Duration)
		}
	}
	if err := sc.fillChecks(fy.Checks); err != nil {
		return err
	}
	return sc.fillExpect(fy.Expect)
}

func decodeSection(src *source, n ast.Node, defaults func() any, field, algName string) (any, error) {
	if defaults == nil {
		if n != nil {
			return nil, src.errAt(field, "algorithm %s takes no %s", algName, field)
		}
		return nil, nil
	}
	v := defaults()
	if n != nil {
		if _, isNull := n.(*ast.NullNode); !isNull {
			if err := src.decodeNode(n, v, field); err != nil {
				return nil, describeHint(err, algName)
			}
		}
	}
	return v, nil
}

// describeHint points an unknown-field error at the command that
// documents every field.
func describeHint(err error, name string) error {
	if e, ok := err.(*Error); ok && strings.HasPrefix(e.Msg, "unknown field") {
		e.Msg += "; distlab describe " + name + " documents each"
	}
	return err
}

func latencyOf(l *latencyYAML, def simnet.Latency) simnet.Latency {
	if l == nil {
		return def
	}
	return simnet.Latency{Dist: l.Dist, Min: l.Min, Max: l.Max, Mean: l.Mean, StdDev: l.StdDev}
}

func (sc *Scenario) fillNetwork(n *networkYAML) error {
	sc.Network = simnet.DefaultLink
	if n == nil {
		return nil
	}
	sc.Network = simnet.Link{Latency: latencyOf(n.Latency, simnet.DefaultLink.Latency), Drop: n.Drop, Duplicate: n.Duplicate, FIFO: n.FIFO}
	if err := sc.Network.Validate(); err != nil {
		return sc.src.errAt("network", "%v", err)
	}
	for i, l := range n.Links {
		field := fmt.Sprintf("network.links[%d]", i)
		if l.From == "" || l.To == "" {
			return sc.src.errAt(field, "a link needs from and to")
		}
		link := simnet.Link{Latency: latencyOf(l.Latency, sc.Network.Latency), Drop: sc.Network.Drop, Duplicate: sc.Network.Duplicate, FIFO: sc.Network.FIFO}
		if l.Drop != nil {
			link.Drop = *l.Drop
		}
		if l.Duplicate != nil {
			link.Duplicate = *l.Duplicate
		}
		if l.FIFO != nil {
			link.FIFO = *l.FIFO
		}
		if err := link.Validate(); err != nil {
			return sc.src.errAt(field, "%v", err)
		}
		sc.Links = append(sc.Links, LinkSpec{From: l.From, To: l.To, Link: link})
	}
	return nil
}

func (sc *Scenario) fillClocks(n ast.Node) error {
	if n == nil {
		return nil
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return sc.src.errAtNode(n, "clocks", "clocks maps node names to {offset, drift_ppm}")
	}
	for _, kv := range m.Values {
		name := kv.Key.String()
		var c clockYAML
		if err := sc.src.decodeNode(kv.Value, &c, "clocks."+name); err != nil {
			return err
		}
		sc.Clocks = append(sc.Clocks, ClockSpec{Node: name, Skew: simnet.ClockSkew{Offset: c.Offset, DriftPPM: c.DriftPPM}})
	}
	return nil
}

func (sc *Scenario) fillFaults(faults []faultYAML) error {
	for i, f := range faults {
		field := fmt.Sprintf("faults[%d]", i)
		if f.At == nil {
			return sc.src.errAt(field, "a fault needs `at:` (when it happens)")
		}
		if *f.At < 0 {
			return sc.src.errAt(field+".at", "at must not be negative")
		}
		if *f.At > sc.Duration {
			return sc.src.errAt(field+".at", "at %v is after the run's end (duration %v): the fault would never happen", *f.At, sc.Duration)
		}
		var set []FaultSpec
		if f.Partition != nil {
			set = append(set, FaultSpec{Kind: simnet.FaultPartition, Groups: f.Partition})
		}
		if f.Heal {
			set = append(set, FaultSpec{Kind: simnet.FaultHeal})
		}
		if f.Cut != nil {
			set = append(set, FaultSpec{Kind: simnet.FaultCut, From: f.Cut.From, To: f.Cut.To})
		}
		for _, p := range []struct {
			kind simnet.FaultKind
			node string
		}{{simnet.FaultIsolate, f.Isolate}, {simnet.FaultRejoin, f.Rejoin}, {simnet.FaultCrash, f.Crash}, {simnet.FaultRestart, f.Restart}, {simnet.FaultPause, f.Pause}} {
			if p.node != "" {
				set = append(set, FaultSpec{Kind: p.kind, Node: p.node})
			}
		}
		for _, p := range []struct {
			kind simnet.FaultKind
			msg  int64
		}{{simnet.FaultDrop, f.Drop}, {simnet.FaultDuplicate, f.Duplicate}} {
			if p.msg < 0 {
				return sc.src.errAt(field+"."+string(p.kind), "a message id is positive (the trace's msg)")
			}
			if p.msg > 0 {
				set = append(set, FaultSpec{Kind: p.kind, Msg: p.msg})
			}
		}
		if len(set) != 1 {
			return sc.src.errAt(field, "a fault has `at` and exactly one of: partition, heal, cut, isolate, rejoin, crash, restart, pause, drop, duplicate (found %d)", len(set))
		}
		switch {
		case set[0].Kind == simnet.FaultPause && (f.For == nil || *f.For <= 0):
			return sc.src.errAt(field+".pause", "a pause needs `for:`, a positive duration (how long the node stops)")
		case set[0].Kind == simnet.FaultCrash && f.For != nil && *f.For <= 0:
			return sc.src.errAt(field+".for", "a crash's `for:` is how long the node stays down before it restarts: a positive duration")
		case set[0].Kind != simnet.FaultPause && set[0].Kind != simnet.FaultCrash && f.For != nil:
			return sc.src.errAt(field+".for", "`for` is how long a pause lasts (or a crashed node stays down); this fault is a %s", set[0].Kind)
		case f.Amnesia && set[0].Kind != simnet.FaultCrash:
			return sc.src.errAt(field+".amnesia", "amnesia belongs to a crash (the node loses its durable storage); this fault is a %s", set[0].Kind)
		}
		if f.For != nil {
			set[0].For = *f.For
		}
		set[0].Amnesia = f.Amnesia
		set[0].At = *f.At
		sc.Faults = append(sc.Faults, set[0])
	}
	return nil
}

func (sc *Scenario) fillChecks(nodes []ast.Node) error {
	names := map[string]bool{}
	for i, n := range nodes {
		field := fmt.Sprintf("checks[%d]", i)
		var cs CheckSpec
		var opts *ast.MappingNode
		switch v := n.(type) {
		case *ast.StringNode:
			cs.Name = v.Value
		case *ast.MappingNode:
			opts = &ast.MappingNode{BaseNode: v.BaseNode, Start: v.Start, End: v.End, IsFlowStyle: v.IsFlowStyle}
			for _, kv := range v.Values {
				if kv.Key.String() == "name" {
					cs.Name = strings.Trim(kv.Value.String(), `"'`)
				} else {
					opts.Values = append(opts.Values, kv)
				}
			}
			if cs.Name == "" {
				return sc.src.errAt(field, "a check with options needs `name:`")
			}
		default:
			return sc.src.errAtNode(n, field, "a check is a name or {name: …, options…}")
		}
		spec, err := checkers.Lookup(cs.Name)
		if err != nil {
			return sc.src.errAt(field, "%v", err)
		}
		if err := checkFits(sc.spec, spec); err != nil {
			return sc.src.errAt(field, "%v", err)
		}
		if names[cs.Name] {
			return sc.src.errAt(field, "check %s is listed twice", cs.Name)
		}
		names[cs.Name] = true
		cs.spec = spec
		if spec.Options != nil {
			cs.Options = spec.Options()
			if err := sc.tolerate(&cs); err != nil {
				return sc.src.errAt(field, "%v", err)
			}
			if opts != nil && len(opts.Values) > 0 {
				if err := sc.src.decodeNode(opts, cs.Options, field); err != nil {
					return describeHint(err, cs.Name)
				}
			}
		} else if opts != nil && len(opts.Values) > 0 {
			return sc.src.errAt(field, "check %s takes no options", cs.Name)
		}
		sc.Checks = append(sc.Checks, cs)
	}
	if len(nodes) == 0 {
		for _, name := range sc.spec.Checks {
			cs, err := newCheck(name)
			if err == nil {
				err = checkFits(sc.spec, cs.spec)
			}
			if err == nil {
				err = sc.tolerate(&cs)
			}
			if err != nil {
				return sc.src.errAt("algorithm", "algorithm %s names default check %s: %v", sc.Algorithm, name, err)
			}
			sc.Checks = append(sc.Checks, cs)
		}
	}
	sc.Checks = withNoPanic(sc.Checks)
	return nil
}

// tolerate sets a check's default options from the algorithm's
// tolerances for its parameters (algo.Spec.Tolerances).
func (sc *Scenario) tolerate(cs *CheckSpec) error {
	if sc.spec.Tolerances == nil || cs.Options == nil {
		return nil
	}
	text, ok := sc.spec.Tolerances(sc.Params)[cs.Name]
	if !ok {
		return nil
	}
	if err := yaml.UnmarshalWithOptions([]byte(text), cs.Options, yaml.Strict()); err != nil {
		return fmt.Errorf("algorithm %s's tolerance for check %s (%s): %v", sc.Algorithm, cs.Name, text, err)
	}
	return nil
}

func (sc *Scenario) fillExpect(n ast.Node) error {
	if n == nil {
		return nil
	}
	switch v := n.(type) {
	case *ast.StringNode:
		if v.Value != "pass" {
			return sc.src.errAtNode(n, "expect", "expect is `pass` or {violations: [check names]}, not %q", v.Value)
		}
		return nil
	case *ast.MappingNode:
		var e struct {
			Violations []string `yaml:"violations"`
		}
		if err := sc.src.decodeNode(n, &e, "expect"); err != nil {
			return err
		}
		if len(e.Violations) == 0 {
			return sc.src.errAt("expect", "expect.violations is empty: write `expect: pass` instead")
		}
		for i, name := range e.Violations {
			if !slices.ContainsFunc(sc.Checks, func(c CheckSpec) bool { return c.Name == name }) {
				return sc.src.errAt(fmt.Sprintf("expect.violations[%d]", i), "%q is not among this scenario's checks (%s)", name, strings.Join(sc.CheckNames(), ", "))
			}
		}
		sc.Expect = e.Violations
		return nil
	}
	return sc.src.errAtNode(n, "expect", "expect is `pass` or {violations: [check names]}")
}

// CheckNames lists the checks the scenario runs.
func (sc *Scenario) CheckNames() []string {
	names := make([]string, len(sc.Checks))
	for i, c := range sc.Checks {
		names[i] = c.Name
	}
	return names
}

// Spec is the algorithm the scenario runs.
func (sc *Scenario) Spec() algo.Spec { return sc.spec }

// ExpectText describes the expectation in words.
func (sc *Scenario) ExpectText() string { return ExpectText(sc.Expect) }

// built is a simulation ready to run, with what the seed decided.
type built struct {
	sim     *simnet.Sim
	faults  []simnet.Fault
	network simnet.Link // the default link, after a swarm's draw
	swarm   string      // what a swarm drew, "" without one
}

// build makes the simulation: the algorithm's nodes, network, clocks and
// every fault resolved to node ids (the nemesis drawn from the seed).
func (sc *Scenario) build(seed int64) (*built, error) {
	net := sc.Network
	var nemesis simnet.Nemesis
	var swarm string
	if sc.Nemesis != nil {
		nemesis = sc.Nemesis.Nemesis
		if sc.Nemesis.Swarm {
			r := simnet.NewStreams(seed).Get("swarm")
			nemesis = nemesis.Swarm(r)
			net.Drop, net.Duplicate = 0, 0
			if r.IntN(2) == 1 {
				net.Drop = 0.1 * r.Float64()
			}
			if r.IntN(2) == 1 {
				net.Duplicate = 0.05 * r.Float64()
			}
			// Drawn last, so the weights and the network draws above stay
			// what they were before pauses existed.
			nemesis.Pause = 0
			if r.IntN(2) == 1 {
				nemesis.Pause = 1 - r.Float64()
			}
			swarm = fmt.Sprintf("%s drop=%.3f duplicate=%.3f", nemesis.Weights(), net.Drop, net.Duplicate)
		}
	}
	cfg := simnet.Config{Seed: seed, Scenario: sc.Name, Algorithm: sc.Algorithm, Network: &net, Strict: sc.Strict,
		MaxEvents: sc.MaxEvents,
		Checks:    headerChecks(sc.Checks), Expect: sc.Expect}
	if sc.Strict {
		cfg.Validate = contract.Validator(sc.spec.Contracts...)
	}
	sim := simnet.New(cfg)
	if err := sc.spec.Build(algo.Build{Sim: sim, Nodes: sc.Nodes, Params: sc.Params, Workload: sc.Workload}); err != nil {
		var fe *algo.FieldError
		if errors.As(err, &fe) {
			return nil, sc.src.errAt(fe.Field, "algorithm %s: %v", sc.Algorithm, fe.Err)
		}
		return nil, sc.src.errAt("params", "algorithm %s: %v", sc.Algorithm, err)
	}
	names := sim.NodeNames()
	resolve := func(field, name string) (simnet.NodeID, error) {
		if id, ok := sim.NodeByName(name); ok {
			return id, nil
		}
		return 0, sc.src.errAt(field, "unknown node %q (valid: %s)", name, strings.Join(names, ", "))
	}
	for i, l := range sc.Links {
		from, err := resolve(fmt.Sprintf("network.links[%d].from", i), l.From)
		if err != nil {
			return nil, err
		}
		to, err := resolve(fmt.Sprintf("network.links[%d].to", i), l.To)
		if err != nil {
			return nil, err
		}
		sim.SetLink(from, to, l.Link)
	}
	for _, c := range sc.Clocks {
		id, err := resolve("clocks."+c.Node, c.Node)
		if err != nil {
			return nil, err
		}
		sim.SetClock(id, c.Skew)
	}
	var faults []simnet.Fault
	for i, f := range sc.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		out := simnet.Fault{At: f.At, Kind: f.Kind, For: f.For, Amnesia: f.Amnesia, Msg: f.Msg}
		var err error
		switch f.Kind {
		case simnet.FaultDrop, simnet.FaultDuplicate:
		case simnet.FaultPartition:
			seen := map[string]bool{}
			for g, group := range f.Groups {
				var ids []simnet.NodeID
				for j, name := range group {
					if seen[name] {
						return nil, sc.src.errAt(fmt.Sprintf("%s.partition[%d][%d]", field, g, j), "node %s is in two groups", name)
					}
					seen[name] = true
					id, err := resolve(fmt.Sprintf("%s.partition[%d][%d]", field, g, j), name)
					if err != nil {
						return nil, err
					}
					ids = append(ids, id)
				}
				out.Groups = append(out.Groups, ids)
			}
		case simnet.FaultCut:
			if out.From, err = resolve(field+".cut.from", f.From); err != nil {
				return nil, err
			}
			if out.To, err = resolve(field+".cut.to", f.To); err != nil {
				return nil, err
			}
		case simnet.FaultHeal:
		default:
			if reason, aimed := strings.CutPrefix(f.Node, "@"); aimed {
				if f.Kind != simnet.FaultCrash && f.Kind != simnet.FaultIsolate {
					return nil, sc.src.errAt(fmt.Sprintf("%s.%s", field, f.Kind), "only crash and isolate can aim at a highlighted node (%s), not %s", f.Node, f.Kind)
				}
				if reason == "" {
					return nil, sc.src.errAt(fmt.Sprintf("%s.%s", field, f.Kind), "%q names no highlight: write @leader (the node highlighted as leader) or a node name", f.Node)
				}
				out.Node, out.Highlighted = trace.None, reason
				break
			}
			if out.Node, err = resolve(fmt.Sprintf("%s.%s", field, f.Kind), f.Node); err != nil {
				return nil, err
			}
		}
		faults = append(faults, out)
	}
	if sc.Nemesis != nil {
		targets := sim.Group(contract.ServerGroup)
		if len(sc.Nemesis.Targets) > 0 {
			targets = nil
			for i, name := range sc.Nemesis.Targets {
				id, err := resolve(fmt.Sprintf("nemesis.targets[%d]", i), name)
				if err != nil {
					return nil, err
				}
				targets = append(targets, id)
			}
		}
		if len(targets) == 0 {
			return nil, sc.src.errAt("nemesis", "the nemesis has no targets")
		}
		faults = append(faults, nemesis.Generate(sim.Streams().Get("faults"), targets)...)
	}
	for _, f := range faults {
		sim.Schedule(f)
	}
	return &built{sim: sim, faults: faults, network: net, swarm: swarm}, nil
}
