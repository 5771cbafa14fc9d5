package simnet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Nemesis generates a fault schedule from a seed: plain data, so a failing
// schedule can be printed, written to a scenario file and replayed. Rates
// are relative weights of each fault kind; a zero weight disables it.
type Nemesis struct {
	Start    time.Duration // first fault no earlier than this
	End      time.Duration // everything heals and restarts at End
	Interval time.Duration // mean time between faults (exponential)

	Partition float64 // split the targets into two random sides
	Isolate   float64 // isolate one node, later rejoin it
	Cut       float64 // cut one random one-way link
	Crash     float64 // crash a running node (restarted later)
	Heal      float64 // heal the network early
	// Swizzle is FoundationDB's swizzle-clog: isolate a random subset of
	// nodes one at a time, then rejoin them in a random order.
	Swizzle float64
	// Pause stops a running node's world (a GC pause) for about PauseFor
	// (uniform 0.5×–1.5×; 0 means Interval).
	Pause    float64
	PauseFor time.Duration
	// Amnesia is the probability that a crash also loses the node's
	// durable storage.
	Amnesia float64

	// MaxDown caps how many targets may be crashed at once; 0 means a
	// minority, so a majority-based algorithm can still make progress.
	MaxDown int
	// Restart is how long a crashed node stays down (uniform 0.5×–1.5×);
	// 0 means 2×Interval.
	Restart time.Duration
}

// Swarm returns a copy whose weights are drawn from r, as TigerBeetle's
// swarm testing does: each fault kind is switched off with probability one
// half, or else weighted uniformly in (0, 1]; at least one stays on. Runs
// over many seeds then explore many different mixes of faults, not one.
func (n Nemesis) Swarm(r *rand.Rand) Nemesis {
	weights := []*float64{&n.Partition, &n.Isolate, &n.Cut, &n.Crash, &n.Heal, &n.Swizzle}
	on := 0
	for _, w := range weights {
		*w = 0
		if r.IntN(2) == 1 {
			*w = 1 - r.Float64() // (0, 1]
			on++
		}
	}
	if on == 0 {
		*weights[r.IntN(len(weights))] = 1
	}
	return n
}

// Weights describes the fault weights, for printing a swarm's draw.
func (n Nemesis) Weights() string {
	return fmt.Sprintf("partition=%.2f isolate=%.2f cut=%.2f crash=%.2f heal=%.2f swizzle=%.2f pause=%.2f",
		n.Partition, n.Isolate, n.Cut, n.Crash, n.Heal, n.Swizzle, n.Pause)
}

// Validate reports settings that cannot generate a schedule.
func (n Nemesis) Validate() error {
	if n.End <= n.Start {
		return fmt.Errorf("nemesis end (%v) must be after start (%v)", n.End, n.Start)
	}
	if n.Interval <= 0 {
		return fmt.Errorf("nemesis interval must be positive")
	}
	for _, w := range []float64{n.Partition, n.Isolate, n.Cut, n.Crash, n.Heal, n.Swizzle, n.Pause} {
		if w < 0 {
			return fmt.Errorf("nemesis weights must not be negative")
		}
	}
	if n.Partition+n.Isolate+n.Cut+n.Crash+n.Heal+n.Swizzle+n.Pause == 0 {
		return fmt.Errorf("nemesis has every weight zero: set at least one of partition, isolate, cut, crash, heal, swizzle, pause")
	}
	if n.Amnesia < 0 || n.Amnesia > 1 {
		return fmt.Errorf("nemesis amnesia is a probability in [0,1], got %v", n.Amnesia)
	}
	if n.PauseFor < 0 {
		return fmt.Errorf("nemesis pause_for must not be negative")
	}
	return nil
}

// Generate draws a schedule over targets (usually the servers) from r. The
// schedule is sorted by time and ends healed with every node running.
func (n Nemesis) Generate(r *rand.Rand, targets []NodeID) []Fault {
	var out []Fault
	maxDown := n.MaxDown
	if maxDown <= 0 {
		maxDown = (len(targets) - 1) / 2
	}
	restart := n.Restart
	if restart <= 0 {
		restart = 2 * n.Interval
	}
	down := map[NodeID]time.Duration{} // crashed node → when it restarts
	weights := []float64{n.Partition, n.Isolate, n.Cut, n.Crash, n.Heal, n.Swizzle, n.Pause}
	pauseFor := n.PauseFor
	if pauseFor <= 0 {
		pauseFor = n.Interval
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	at := n.Start
	for {
		at += time.Duration(r.ExpFloat64() * float64(n.Interval))
		if at >= n.End {
			break
		}
		// Restart nodes whose downtime is over before choosing the next fault.
		for _, id := range sortedKeys(down) {
			if down[id] <= at {
				out = append(out, Fault{At: down[id], Kind: FaultRestart, Node: id})
				delete(down, id)
			}
		}
		pick := r.Float64() * total
		kind := 0
		for kind < len(weights)-1 && pick >= weights[kind] {
			pick -= weights[kind]
			kind++
		}
		switch kind {
		case 0:
			perm := permute(r, targets)
			cut := 1 + r.IntN(max(1, len(perm)-1))
			out = append(out, Fault{At: at, Kind: FaultPartition, Groups: [][]NodeID{sorted(perm[:cut]), sorted(perm[cut:])}})
		case 1:
			id := targets[r.IntN(len(targets))]
			back := at + randomSpan(r, restart)
			out = append(out, Fault{At: at, Kind: FaultIsolate, Node: id}, Fault{At: min(back, n.End), Kind: FaultRejoin, Node: id})
		case 2:
			if len(targets) < 2 {
				continue
			}
			perm := permute(r, targets)
			out = append(out, Fault{At: at, Kind: FaultCut, From: perm[0], To: perm[1]})
		case 3:
			if len(down) >= maxDown {
				continue
			}
			var up []NodeID
			for _, id := range targets {
				if _, isDown := down[id]; !isDown {
					up = append(up, id)
				}
			}
			id := up[r.IntN(len(up))]
			down[id] = min(at+randomSpan(r, restart), n.End)
			f := Fault{At: at, Kind: FaultCrash, Node: id}
			if n.Amnesia > 0 { // drawn only when asked for, so older schedules stay the same
				f.Amnesia = r.Float64() < n.Amnesia
			}
			out = append(out, f)
		case 4:
			out = append(out, Fault{At: at, Kind: FaultHeal})
		case 5:
			perm := permute(r, targets)
			k := 1 + r.IntN(len(perm))
			step := n.Interval / time.Duration(2*k+1)
			t := at
			clogged := perm[:0:0]
			for _, id := range perm[:k] {
				if t >= n.End {
					break // never isolate at or after End: the rejoin would be lost
				}
				out = append(out, Fault{At: t, Kind: FaultIsolate, Node: id})
				clogged = append(clogged, id)
				t += step
			}
			for _, i := range r.Perm(len(clogged)) {
				out = append(out, Fault{At: min(t, n.End), Kind: FaultRejoin, Node: clogged[i]})
				t += step
			}
		case 6:
			id := targets[r.IntN(len(targets))]
			if _, isDown := down[id]; isDown {
				continue
			}
			d := min(randomSpan(r, pauseFor), n.End-at) // every pause is over by End
			out = append(out, Fault{At: at, Kind: FaultPause, Node: id, For: d})
		}
	}
	for _, id := range sortedKeys(down) {
		out = append(out, Fault{At: down[id], Kind: FaultRestart, Node: id})
	}
	out = append(out, Fault{At: n.End, Kind: FaultHeal})
	slices.SortStableFunc(out, func(a, b Fault) int { return int(a.At - b.At) })
	return out
}

func randomSpan(r *rand.Rand, mean time.Duration) time.Duration {
	return mean/2 + time.Duration(r.Int64N(int64(mean)+1))
}

func permute(r *rand.Rand, ids []NodeID) []NodeID {
	out := slices.Clone(ids)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func sorted(ids []NodeID) []NodeID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func sortedKeys(m map[NodeID]time.Duration) []NodeID {
	keys := make([]NodeID, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
