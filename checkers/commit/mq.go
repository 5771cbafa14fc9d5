package commit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet/trace"
)

// ConsistencyOptions configures eventual-consistency.
type ConsistencyOptions struct {
	Bound time.Duration `yaml:"bound" doc:"an order still missing at a service at the end fails when more than this has passed since both the order service took it and the last fault"`
}

// apply is a service's local transaction for an order.
type apply struct {
	node trace.NodeID
	at   time.Duration
	idx  int
}

// mqHistory is an mq trace read once.
type mqHistory struct {
	steps      map[trace.NodeID]int // service → its step
	services   []trace.NodeID       // by step
	applies    map[string][]apply   // order → every application, in order
	orders     []string             // orders in order of first application
	rolledBack map[string]bool
	duplicates int
	deliveries map[string]int // "node order" → Deliver messages delivered
	messages   map[string]int // between servers, by type
	lastFault  time.Duration
	end        time.Duration
}

var deliverName = cm.MsgName[cm.Deliver]()

func parseMQ(ctx context.Context, tr *trace.Trace) (*mqHistory, error) {
	h := &mqHistory{steps: map[trace.NodeID]int{}, applies: map[string][]apply{}, rolledBack: map[string]bool{},
		deliveries: map[string]int{}, messages: map[string]int{}, end: tr.End()}
	order := map[int64]string{}
	for i, e := range tr.All() {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("ran out of time reading the trace")
		}
		if e.Kind.IsFault() {
			h.lastFault = e.Time
		}
		switch e.Kind {
		case trace.Send:
			if !contract.IsClient(tr.Header, e.Node) && !contract.IsClient(tr.Header, e.Peer) {
				h.messages[e.Name]++
			}
			if e.Name == deliverName {
				var m struct {
					Order string `json:"order"`
				}
				if json.Unmarshal(e.BodyJSON(), &m) == nil {
					order[e.Msg] = m.Order
				}
			}
		case trace.Deliver:
			if o, ok := order[e.Msg]; ok {
				h.deliveries[tr.NodeName(e.Node)+" "+o]++
			}
		case trace.Mark:
			switch {
			case cm.Service.Is(&e):
				m, err := cm.Service.Decode(&e)
				if err != nil {
					return nil, err
				}
				if _, ok := h.steps[e.Node]; !ok {
					h.steps[e.Node] = m.Step
					h.services = append(h.services, e.Node)
				}
			case cm.Applied.Is(&e):
				m, err := cm.Applied.Decode(&e)
				if err != nil {
					return nil, err
				}
				if _, ok := h.applies[m.Order]; !ok {
					h.orders = append(h.orders, m.Order)
				}
				h.applies[m.Order] = append(h.applies[m.Order], apply{node: e.Node, at: e.Time, idx: i})
			case cm.Duplicate.Is(&e):
				h.duplicates++
			case cm.RolledBack.Is(&e):
				m, err := cm.RolledBack.Decode(&e)
				if err != nil {
					return nil, err
				}
				h.rolledBack[m.Order] = true
			}
		}
	}
	slices.SortFunc(h.services, func(a, b trace.NodeID) int { return h.steps[a] - h.steps[b] })
	return h, nil
}

// runConsistency: every order the order service took reaches every
// service of the chain, within the bound once the faults are over, and
// no service acts on an order the order service did not take. It reports
// the inconsistency window: from the order service's local commit to the
// last service's.
func runConsistency(ctx context.Context, tr *trace.Trace, opts any) check.Result {
	o := &ConsistencyOptions{Bound: 2 * time.Second}
	if p, ok := opts.(*ConsistencyOptions); ok && p != nil {
		o = p
	}
	h, err := parseMQ(ctx, tr)
	if err != nil {
		return unknown(EventualConsistent, err)
	}
	if len(h.orders) == 0 || len(h.services) == 0 {
		return check.Unknowable(EventualConsistent, "no service applied an order: nothing to agree on")
	}
	origin := h.services[0]
	var windows []time.Duration
	complete, pending := 0, 0
	for _, ord := range h.orders {
		first := map[trace.NodeID]apply{}
		for _, a := range h.applies[ord] {
			if _, ok := first[a.node]; !ok {
				first[a.node] = a
			}
		}
		taken, ok := first[origin]
		if !ok {
			a := h.applies[ord][0]
			r := check.Failed(EventualConsistent, a.at, []string{tr.NodeName(a.node)}, fmt.Sprintf(
				"%s applied order %s at %v, which %s never took%s", tr.NodeName(a.node), ord, a.at, tr.NodeName(origin), rolledBackNote(h.rolledBack[ord])))
			r.Events = []int{a.idx}
			return r
		}
		var missing []string
		last := taken.at
		for _, s := range h.services {
			if a, ok := first[s]; ok {
				last = max(last, a.at)
			} else {
				missing = append(missing, tr.NodeName(s))
			}
		}
		if len(missing) == 0 {
			complete++
			windows = append(windows, last-taken.at)
			continue
		}
		since := max(taken.at, h.lastFault)
		if h.end-since > o.Bound {
			r := check.Failed(EventualConsistent, since+o.Bound, append([]string{tr.NodeName(origin)}, missing...), fmt.Sprintf(
				"order %s, taken by %s at %v, never reached %s: inconsistent from then to the end (%v), %v after the last fault (bound %v)",
				ord, tr.NodeName(origin), taken.at, strings.Join(missing, ", "), h.end, h.end-h.lastFault, o.Bound))
			r.Events = []int{taken.idx}
			return r
		}
		pending++
	}
	slices.Sort(windows)
	r := check.Passed(EventualConsistent, fmt.Sprintf("%d orders reached every service (inconsistent for p50 %v, p99 %v, max %v); %d still on the way at the end",
		complete, percentile(windows, 0.5).Round(time.Microsecond), percentile(windows, 0.99).Round(time.Microsecond), percentile(windows, 1).Round(time.Microsecond), pending))
	r.Metrics = map[string]float64{"orders": float64(complete + pending), "complete": float64(complete),
		"window_p50_ms": ms(percentile(windows, 0.5)), "window_p99_ms": ms(percentile(windows, 0.99)), "window_max_ms": ms(percentile(windows, 1))}
	if n := complete + pending; n > 0 {
		total := 0
		for name, k := range h.messages {
			r.Metrics["per_order/"+name] = float64(k) / float64(n)
			total += k
		}
		r.Metrics["per_order"] = float64(total) / float64(n)
	}
	return r
}

func rolledBackNote(rolledBack bool) string {
	if rolledBack {
		return " (it rolled the order back)"
	}
	return ""
}

// runOnce: no service applies an order twice (no double charge). It
// reports the redeliveries (from the Deliver messages) and the duplicates
// an idempotent consumer ignored.
func runOnce(ctx context.Context, tr *trace.Trace, _ any) check.Result {
	h, err := parseMQ(ctx, tr)
	if err != nil {
		return unknown(EffectivelyOnce, err)
	}
	consumers := 0
	for _, ord := range h.orders {
		seen := map[trace.NodeID]apply{}
		for _, a := range h.applies[ord] {
			if h.steps[a.node] > 0 {
				consumers++
			}
			if prev, ok := seen[a.node]; ok {
				r := check.Failed(EffectivelyOnce, a.at, []string{tr.NodeName(a.node)}, fmt.Sprintf(
					"%s applied order %s twice, at %v and at %v: a double charge", tr.NodeName(a.node), ord, prev.at, a.at))
				r.Events = []int{prev.idx, a.idx}
				return r
			}
			seen[a.node] = a
		}
	}
	if consumers == 0 {
		return check.Unknowable(EffectivelyOnce, "no consumer applied an order: nothing that could happen twice")
	}
	redelivered := 0
	for _, n := range h.deliveries {
		redelivered += n - 1
	}
	r := check.Passed(EffectivelyOnce, fmt.Sprintf("%d applications by consumers, each order once per service (%d redeliveries, %d recognised duplicates)", consumers, redelivered, h.duplicates))
	r.Metrics = map[string]float64{"redeliveries": float64(redelivered), "duplicates": float64(h.duplicates)}
	return r
}
