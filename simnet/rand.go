package simnet

import (
	"hash/fnv"
	"math/rand/v2"
)

// Streams hands out independent random sources derived from one seed by
// name ("network", "faults", "workload", "node/n3/0"…). Each stream depends
// only on the seed and its name, so drawing more numbers from one stream
// never shifts another: adding a fault does not change the network's delays.
type Streams struct{ seed int64 }

// NewStreams makes the streams of a seed.
func NewStreams(seed int64) Streams { return Streams{seed: seed} }

// Get returns a new source for the named stream, always the same sequence
// for the same seed and name.
func (s Streams) Get(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	k := h.Sum64()
	return rand.New(rand.NewPCG(splitmix(uint64(s.seed)^k), splitmix(k+0x9e3779b97f4a7c15)))
}

// splitmix is SplitMix64's finalizer: it spreads nearby seeds far apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
