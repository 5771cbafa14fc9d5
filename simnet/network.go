package simnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"distlab/simnet/trace"
)

// Latency is a distribution of one-way message delay. Reordering comes from
// it: two messages on one link overtake each other when the second draws a
// shorter delay.
type Latency struct {
	// Dist is "constant" (always Min), "uniform" (Min..Max), "normal"
	// (Mean, StdDev, cut at Min and Max when set) or "exponential" (Min plus
	// an exponential tail of mean Mean).
	Dist   string
	Min    time.Duration
	Max    time.Duration
	Mean   time.Duration
	StdDev time.Duration
}

// LatencyDists lists the valid values of Latency.Dist.
var LatencyDists = []string{"constant", "uniform", "normal", "exponential"}

// Validate reports a distribution that cannot be sampled.
func (l Latency) Validate() error {
	switch l.Dist {
	case "", "constant":
		if l.Min < 0 {
			return fmt.Errorf("min must not be negative")
		}
	case "uniform":
		if l.Min < 0 || l.Max < l.Min {
			return fmt.Errorf("uniform latency needs 0 <= min <= max (min %v, max %v)", l.Min, l.Max)
		}
	case "normal":
		if l.Mean <= 0 || l.StdDev < 0 {
			return fmt.Errorf("normal latency needs mean > 0 and stddev >= 0")
		}
	case "exponential":
		if l.Mean <= 0 || l.Min < 0 {
			return fmt.Errorf("exponential latency needs mean > 0 and min >= 0")
		}
	default:
		return fmt.Errorf("unknown latency distribution %q (valid: %v)", l.Dist, LatencyDists)
	}
	return nil
}

// distKind is a Latency.Dist looked up once, so that drawing a delay
// (once a message) does not compare strings.
type distKind uint8

const (
	distConstant distKind = iota
	distUniform
	distNormal
	distExponential
)

func kindOf(dist string) distKind {
	switch dist {
	case "uniform":
		return distUniform
	case "normal":
		return distNormal
	case "exponential":
		return distExponential
	}
	return distConstant
}

func (l *Latency) sampleKind(k distKind, r *rand.Rand) time.Duration {
	switch k {
	case distUniform:
		if l.Max == l.Min {
			return l.Min
		}
		return l.Min + time.Duration(r.Int64N(int64(l.Max-l.Min)+1))
	case distNormal:
		d := time.Duration(float64(l.Mean) + r.NormFloat64()*float64(l.StdDev))
		if d < l.Min {
			d = l.Min
		}
		if l.Max > 0 && d > l.Max {
			d = l.Max
		}
		if d < 0 {
			d = 0
		}
		return d
	case distExponential:
		d := l.Min + time.Duration(r.ExpFloat64()*float64(l.Mean))
		if l.Max > 0 && d > l.Max {
			d = l.Max
		}
		return d
	default:
		return l.Min
	}
}

// Link is the behaviour of messages from one node to another.
type Link struct {
	Latency   Latency
	Drop      float64 // probability a message is lost
	Duplicate float64 // probability a message is delivered twice
	// FIFO delivers the link's messages in the order they were sent, as a
	// TCP connection does: a message never overtakes an earlier one (it
	// waits for it). Loss and duplication still apply.
	FIFO bool
}

// Validate reports probabilities out of range and bad latencies.
func (l Link) Validate() error {
	if l.Drop < 0 || l.Drop > 1 || math.IsNaN(l.Drop) {
		return fmt.Errorf("drop must be a probability in [0,1], got %v", l.Drop)
	}
	if l.Duplicate < 0 || l.Duplicate > 1 || math.IsNaN(l.Duplicate) {
		return fmt.Errorf("duplicate must be a probability in [0,1], got %v", l.Duplicate)
	}
	return l.Latency.Validate()
}

// DefaultLink is what a network without configuration does: 1–10 ms
// uniform, no loss, no duplicates.
var DefaultLink = Link{Latency: Latency{Dist: "uniform", Min: time.Millisecond, Max: 10 * time.Millisecond}}

// network is the links' behaviour plus the connectivity rules, which live
// in trace.Net so that every replay of a trace applies exactly the rules
// the simulator applied.
type network struct {
	trace.Net
	links    [][]*rule // [from][to]; nil rows and entries use def (rows are made when a link of theirs is set: a thousand nodes need no million-entry table)
	def      rule
	fifoLast map[[2]NodeID]time.Duration // FIFO links: the latest delivery time scheduled
}

// rule is a link with its latency distribution looked up.
type rule struct {
	Link
	dist distKind
}

func ruleOf(l Link) rule { return rule{Link: l, dist: kindOf(l.Latency.Dist)} }

// deliveryTime draws when a message sent now on from→to arrives. On a FIFO
// link it is never before the link's previous delivery; equal times keep
// their sending order, because the scheduler breaks ties by insertion.
func (n *network) deliveryTime(now time.Duration, from, to NodeID, l *rule, r *rand.Rand) time.Duration {
	at := now + l.Latency.sampleKind(l.dist, r)
	if !l.FIFO {
		return at
	}
	if n.fifoLast == nil {
		n.fifoLast = map[[2]NodeID]time.Duration{}
	}
	key := [2]NodeID{from, to}
	if last := n.fifoLast[key]; at < last {
		at = last
	}
	n.fifoLast[key] = at
	return at
}

func (n *network) grow(size int) {
	n.Net.Grow(size)
	for len(n.links) < size {
		n.links = append(n.links, nil)
	}
}

// setLink makes from→to follow r.
func (n *network) setLink(from, to NodeID, r *rule) {
	if int(from) < 0 || int(from) >= len(n.links) || int(to) < 0 || int(to) >= len(n.links) {
		panic(fmt.Sprintf("link %d→%d: there are %d nodes", from, to, len(n.links)))
	}
	row := n.links[from]
	for len(row) <= int(to) {
		row = append(row, nil)
	}
	row[to] = r
	n.links[from] = row
}

func (n *network) link(from, to NodeID) *rule {
	if row := n.links[from]; int(to) < len(row) && row[to] != nil {
		return row[to]
	}
	return &n.def
}
