package gossip

import (
	"context"
	"fmt"

	"distlab/checkers/check"
	gc "distlab/contract/gossip"
	"distlab/simnet/trace"
)

// CostOptions configures gossip-cost. With no bound it only measures.
type CostOptions struct {
	// MaxMsgsPerOp bounds Maelstrom's msgs-per-op: messages between
	// replicas per client operation (0: no bound).
	MaxMsgsPerOp float64 `yaml:"max_msgs_per_op" doc:"bounds Maelstrom's msgs-per-op: messages between replicas per client operation (0: no bound)"`
	// MaxMsgsPerUpdate bounds messages between replicas per write (0: no
	// bound).
	MaxMsgsPerUpdate float64 `yaml:"max_msgs_per_update" doc:"bounds messages between replicas per write (0: no bound)"`
	// MaxRepeats bounds the sends of the very same data to the same peer
	// by the same replica, twice or more in a row (the seed's memory
	// promises 0); -1: no bound.
	MaxRepeats int `yaml:"max_repeats" doc:"bounds the sends of the very same data to the same peer by the same replica, twice or more in a row (the seed's memory promises 0); -1: no bound"`
}

func runCost(ctx context.Context, tr *trace.Trace, o any) check.Result {
	opts := o.(*CostOptions)
	h, bad := parsed(ctx, Cost, tr)
	if bad != nil {
		return *bad
	}
	if len(h.writes) == 0 {
		return check.Unknowable(Cost, "no client wrote anything: no update to count messages for")
	}
	var (
		msgs, bytes, carriers, deliveries, redundant, repeats, ops int
		byType                                                     = map[string]int{}
		lastSent                                                   = map[[2]trace.NodeID]uint64{}
		firstRepeat                                                = -1
		cur                                                        handler
		carrying, useful                                           bool
	)
	isCarrier := map[int64]bool{} // message id → carried at least one entry
	finish := func() {
		if carrying && !useful {
			redundant++
		}
		carrying, useful = false, false
	}
	reads := trace.KindsOf(trace.Start, trace.Restart, trace.Deliver, trace.TimerFire, trace.Invoke, trace.Send, trace.Mark)
	seen := 0
	var e trace.Event
	for i := range tr.Scan(reads, 0, tr.Len()) {
		if seen++; seen&0xffff == 0 && ctx.Err() != nil {
			return check.Unknowable(Cost, "out of time")
		}
		tr.Fill(i, &e)
		if startsHandler(e.Kind) {
			finish()
			cur = handlerOf(&e)
			if cur.deliver && isCarrier[cur.msg] && h.server(e.Node) {
				carrying = true
				deliveries++
			}
		}
		switch e.Kind {
		case trace.Invoke:
			ops++
		case trace.Send:
			if !h.server(e.Node) || !h.server(e.Peer) {
				continue
			}
			msgs++
			byType[e.Name]++
			bytes += len(e.BodyJSON())
			entries, ok := carried(&e)
			if !ok || len(entries) == 0 {
				continue
			}
			carriers++
			isCarrier[e.Msg] = true
			link := [2]trace.NodeID{e.Node, e.Peer}
			sum := contentHash(entries)
			if prev, seen := lastSent[link]; seen && prev == sum {
				repeats++
				if firstRepeat < 0 {
					firstRepeat = i
				}
			}
			lastSent[link] = sum
		case trace.Mark:
			if carrying && e.Node == cur.node && gc.Apply.Is(&e) {
				useful = true
			}
		}
	}
	finish()
	updates := float64(len(h.writes))
	m := map[string]float64{
		"msgs":             float64(msgs),
		"ops":              float64(ops),
		"updates":          updates,
		"msgs_per_update":  float64(msgs) / updates,
		"bytes_per_update": float64(bytes) / updates,
		"deliveries":       float64(deliveries),
		"redundant":        float64(redundant),
		"repeats":          float64(repeats),
		// Demers' traffic m: messages carrying updates, per replica and update.
		"traffic": float64(carriers) / (float64(len(h.servers)) * updates),
	}
	if ops > 0 {
		m["msgs_per_op"] = float64(msgs) / float64(ops)
	}
	if deliveries > 0 {
		m["redundant_frac"] = float64(redundant) / float64(deliveries)
	}
	for t, n := range byType {
		m["per_update/"+t] = float64(n) / updates
	}
	detail := fmt.Sprintf("%d messages between replicas for %d writes and %d operations: %.1f per update, %.2f per operation, %.0f bytes per update; %d of %d deliveries of entries brought nothing new; %d repeated sends",
		msgs, len(h.writes), ops, m["msgs_per_update"], m["msgs_per_op"], m["bytes_per_update"], redundant, deliveries, repeats)
	fail := func(format string, args ...any) check.Result {
		r := check.Failed(Cost, 0, nil, fmt.Sprintf(format, args...)+"; "+detail)
		r.Metrics = m
		return r
	}
	switch {
	case opts.MaxMsgsPerOp > 0 && m["msgs_per_op"] > opts.MaxMsgsPerOp:
		return fail("%.2f messages per operation, more than %v", m["msgs_per_op"], opts.MaxMsgsPerOp)
	case opts.MaxMsgsPerUpdate > 0 && m["msgs_per_update"] > opts.MaxMsgsPerUpdate:
		return fail("%.1f messages per update, more than %v", m["msgs_per_update"], opts.MaxMsgsPerUpdate)
	case opts.MaxRepeats >= 0 && repeats > opts.MaxRepeats:
		e := tr.At(firstRepeat)
		r := fail("%d times a replica sent a peer the very same data it had sent it last time (first: %s to %s at %v), more than %d",
			repeats, tr.NodeName(e.Node), tr.NodeName(e.Peer), e.Time, opts.MaxRepeats)
		r.At, r.Nodes, r.Events = e.Time, names(tr, e.Node, e.Peer), []int{firstRepeat}
		return r
	}
	r := check.Passed(Cost, detail)
	r.Metrics = m
	return r
}
