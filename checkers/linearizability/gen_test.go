package linearizability

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"distlab/contract/kv"
)

// genMix is the share of each operation kind in a generated history.
type genMix struct{ get, put, append, cas float64 }

// appendMix resembles porcupine's own 50-client test histories: mostly
// appends and gets.
var appendMix = genMix{get: 0.4, put: 0.1, append: 0.5}

// genHistory generates a history of clients each issuing opsPerClient
// operations one after another on keys keys. Each operation takes effect
// at a random moment inside its interval, and outputs come from applying
// them in that order, so the history is linearizable. With stale, one get
// late in the history returns the value its key had before a write that
// returned before the get was called: a definite violation.
func genHistory(seed uint64, clients, opsPerClient, keys int, mix genMix, stale bool) []kv.Operation {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	type gop struct {
		op  kv.Operation
		at  int64 // when it takes effect
		idx int
	}
	var all []gop
	for c := range clients {
		t := int64(r.IntN(100))
		for i := range opsPerClient {
			call := t
			ret := call + 1 + genDur(r)
			in := kv.Input{Key: fmt.Sprint(r.IntN(keys))}
			total := mix.get + mix.put + mix.append + mix.cas
			val := fmt.Sprintf("x %d %d y;", c, i)
			switch x := r.Float64() * total; {
			case x < mix.get:
				in.Op = kv.OpGet
			case x < mix.get+mix.put:
				in.Op, in.Value = kv.OpPut, val
			case x < mix.get+mix.put+mix.append:
				in.Op, in.Value = kv.OpAppend, val
			default:
				in.Op, in.Value = kv.OpCAS, val
			}
			// Distinct effect times: a total order.
			at := genAt(r, call, ret)*1024 + int64(c)
			rt := ret
			all = append(all, gop{op: kv.Operation{Client: fmt.Sprintf("c%d", c), Call: call, Return: &rt, Input: in}, at: at})
			t = ret + int64(r.IntN(20))
		}
	}
	slices.SortFunc(all, func(a, b gop) int { return int(a.at - b.at) })
	state := map[string]string{}
	lastSeen := map[string]string{}  // a plausible expected value for cas
	history := map[string][]string{} // each key's states, in order
	for i := range all {
		g := &all[i]
		in := &g.op.Input
		out := kv.Output{}
		switch in.Op {
		case kv.OpGet:
			out.Value = state[in.Key]
			lastSeen[in.Key] = out.Value
		case kv.OpPut:
			state[in.Key] = in.Value
		case kv.OpAppend:
			state[in.Key] += in.Value
		case kv.OpCAS:
			in.Expected = lastSeen[in.Key]
			if r.IntN(2) == 0 {
				in.Expected = state[in.Key]
			}
			ok := state[in.Key] == in.Expected
			if ok {
				state[in.Key] = in.Value
			}
			out = kv.CASOutput(ok)
		}
		history[in.Key] = append(history[in.Key], state[in.Key])
		g.op.Output = &out
	}
	ops := make([]kv.Operation, len(all))
	for i, g := range all {
		ops[i] = g.op
	}
	if stale {
		makeStale(ops)
	}
	slices.SortStableFunc(ops, func(a, b kv.Operation) int { return int(a.Call - b.Call) })
	return ops
}

// makeStale turns the first get past the middle of the history that can
// be made stale into one: it returns the value its key had before a write
// that returned before the get began.
func makeStale(ops []kv.Operation) {
	for i := len(ops) / 2; i < len(ops); i++ {
		g := &ops[i]
		if g.Input.Op != kv.OpGet {
			continue
		}
		// ops are in effect order: walk back to a write of the same key
		// that returned before g was called, and take the value before it.
		for j := i - 1; j >= 0; j-- {
			w := &ops[j]
			if w.Input.Key != g.Input.Key || w.Input.Op == kv.OpGet || *w.Return >= g.Call {
				continue
			}
			if w.Input.Op == kv.OpCAS && !*w.Output.OK {
				continue
			}
			before := ""
			for k := j - 1; k >= 0; k-- {
				p := &ops[k]
				if p.Input.Key == g.Input.Key && p.Input.Op == kv.OpGet {
					before = p.Output.Value
					break
				}
			}
			if before != g.Output.Value {
				out := kv.Output{Value: before}
				g.Output = &out
				return
			}
		}
	}
	panic("genHistory: no get could be made stale")
}

var genDur = func(r *rand.Rand) int64 {
	if r.IntN(10) == 0 {
		return int64(r.IntN(100))
	}
	return int64(5 + r.IntN(10))
}
var genAt = func(r *rand.Rand, call, ret int64) int64 { return call + int64(r.IntN(int(ret-call+1))) }
