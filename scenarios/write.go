package scenarios

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"distlab/simnet"
)

// The output shapes keep field order, so written files read like hand-made
// ones. Durations are written as Go durations.

type outFile struct {
	Version     int            `yaml:"version"`
	Name        string         `yaml:"name"`
	Description string         `yaml:"description,omitempty"`
	Algorithm   string         `yaml:"algorithm"`
	Nodes       int            `yaml:"nodes"`
	Seed        int64          `yaml:"seed"`
	Duration    time.Duration  `yaml:"duration"`
	Strict      bool           `yaml:"strict,omitempty"`
	MaxEvents   int64          `yaml:"max_events,omitempty"`
	Params      any            `yaml:"params,omitempty"`
	Workload    any            `yaml:"workload,omitempty"`
	Network     outNetwork     `yaml:"network"`
	Clocks      map[string]any `yaml:"clocks,omitempty"`
	Faults      []any          `yaml:"faults,omitempty"`
	Checks      []any          `yaml:"checks,omitempty"`
	Expect      any            `yaml:"expect"`
}

type outLatency struct {
	Dist   string        `yaml:"dist"`
	Min    time.Duration `yaml:"min,omitempty"`
	Max    time.Duration `yaml:"max,omitempty"`
	Mean   time.Duration `yaml:"mean,omitempty"`
	StdDev time.Duration `yaml:"stddev,omitempty"`
}

type outNetwork struct {
	Latency   outLatency `yaml:"latency,flow"`
	Drop      float64    `yaml:"drop,omitempty"`
	Duplicate float64    `yaml:"duplicate,omitempty"`
	FIFO      bool       `yaml:"fifo,omitempty"`
	Links     []outLink  `yaml:"links,omitempty"`
}

type outLink struct {
	From      string     `yaml:"from"`
	To        string     `yaml:"to"`
	Latency   outLatency `yaml:"latency,flow"`
	Drop      float64    `yaml:"drop"`
	Duplicate float64    `yaml:"duplicate"`
	FIFO      bool       `yaml:"fifo"`
}

func outLat(l simnet.Latency) outLatency {
	d := l.Dist
	if d == "" {
		d = "constant"
	}
	return outLatency{Dist: d, Min: l.Min, Max: l.Max, Mean: l.Mean, StdDev: l.StdDev}
}

// Encode writes the scenario as YAML with the given seed and an explicit
// fault list in place of the nemesis (faults as a run scheduled them, so the
// file replays that run exactly). names maps node ids to names; comment
// lines go at the top.
func (sc *Scenario) Encode(seed int64, faults []simnet.Fault, names []string, comment string) ([]byte, error) {
	name := func(id simnet.NodeID) string {
		if int(id) >= 0 && int(id) < len(names) {
			return names[id]
		}
		return fmt.Sprintf("node%d", id)
	}
	out := outFile{Version: FormatVersion, Name: sc.Name, Description: sc.Description, Algorithm: sc.Algorithm,
		Nodes: sc.Nodes, Seed: seed, Duration: sc.Duration, Strict: sc.Strict, MaxEvents: sc.MaxEvents, Params: sc.Params, Workload: sc.Workload,
		Network: outNetwork{Latency: outLat(sc.Network.Latency), Drop: sc.Network.Drop, Duplicate: sc.Network.Duplicate, FIFO: sc.Network.FIFO}}
	for _, l := range sc.Links {
		out.Network.Links = append(out.Network.Links, outLink{From: l.From, To: l.To, Latency: outLat(l.Link.Latency), Drop: l.Link.Drop, Duplicate: l.Link.Duplicate, FIFO: l.Link.FIFO})
	}
	if len(sc.Clocks) > 0 {
		out.Clocks = map[string]any{}
		for _, c := range sc.Clocks {
			out.Clocks[c.Node] = map[string]any{"offset": c.Skew.Offset, "drift_ppm": c.Skew.DriftPPM}
		}
	}
	for _, f := range faults {
		item := yaml.MapSlice{{Key: "at", Value: f.At}}
		switch f.Kind {
		case simnet.FaultPartition:
			groups := make([][]string, len(f.Groups))
			for i, g := range f.Groups {
				for _, id := range g {
					groups[i] = append(groups[i], name(id))
				}
			}
			item = append(item, yaml.MapItem{Key: "partition", Value: groups})
		case simnet.FaultHeal:
			item = append(item, yaml.MapItem{Key: "heal", Value: true})
		case simnet.FaultDrop, simnet.FaultDuplicate:
			item = append(item, yaml.MapItem{Key: string(f.Kind), Value: f.Msg})
		case simnet.FaultCut:
			item = append(item, yaml.MapItem{Key: "cut", Value: yaml.MapSlice{{Key: "from", Value: name(f.From)}, {Key: "to", Value: name(f.To)}}})
		default:
			item = append(item, yaml.MapItem{Key: string(f.Kind), Value: f.Target(name)})
			if f.Kind == simnet.FaultPause || (f.Kind == simnet.FaultCrash && f.For > 0) {
				item = append(item, yaml.MapItem{Key: "for", Value: f.For})
			}
			if f.Amnesia {
				item = append(item, yaml.MapItem{Key: "amnesia", Value: true})
			}
		}
		out.Faults = append(out.Faults, item)
	}
	for _, c := range sc.Checks {
		if c.Options == nil {
			out.Checks = append(out.Checks, c.Name)
			continue
		}
		opts, err := yaml.MarshalWithOptions(c.Options, durationsAsText)
		if err != nil {
			return nil, err
		}
		var m yaml.MapSlice
		if err := yaml.Unmarshal(opts, &m); err != nil {
			return nil, err
		}
		out.Checks = append(out.Checks, append(yaml.MapSlice{{Key: "name", Value: c.Name}}, m...))
	}
	out.Expect = "pass"
	if len(sc.Expect) > 0 {
		out.Expect = map[string]any{"violations": sc.Expect}
	}
	body, err := yaml.MarshalWithOptions(out, durationsAsText, yaml.Flow(false), yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(comment, "\n"), "\n") {
		if line != "" {
			buf.WriteString("# " + line + "\n")
		}
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

var durationsAsText = yaml.CustomMarshaler[time.Duration](func(d time.Duration) ([]byte, error) {
	return []byte(d.String()), nil
})
