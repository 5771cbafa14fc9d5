package gossip

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

func TestMergeKeepsTheNewerVersion(t *testing.T) {
	base := gc.Entry{Key: "k", Value: "old", TS: 10, Node: 1}
	cases := []struct {
		name    string
		in      gc.Entry
		changed bool
		holds   string
	}{
		{"later timestamp wins", gc.Entry{Key: "k", Value: "new", TS: 11, Node: 0}, true, "new"},
		{"earlier timestamp loses", gc.Entry{Key: "k", Value: "new", TS: 9, Node: 4}, false, "old"},
		{"tie: larger node id wins", gc.Entry{Key: "k", Value: "new", TS: 10, Node: 2}, true, "new"},
		{"tie: smaller node id loses", gc.Entry{Key: "k", Value: "new", TS: 10, Node: 0}, false, "old"},
		{"the same entry changes nothing", base, false, "old"},
		{"a new key is taken", gc.Entry{Key: "j", Value: "new", TS: 1, Node: 0}, true, "old"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s Store
			require.True(t, s.Merge(base))
			assert.Equal(t, c.changed, s.Merge(c.in))
			got, _ := s.Get("k")
			assert.Equal(t, c.holds, got.Value)
		})
	}
}

// Whatever order entries arrive in, every store ends with the same winner.
func TestMergeIsOrderFree(t *testing.T) {
	entries := []gc.Entry{
		{Key: "k", Value: "a", TS: 5, Node: 0}, {Key: "k", Value: "b", TS: 7, Node: 1},
		{Key: "k", Value: "c", TS: 7, Node: 3}, {Key: "k", Value: "d", TS: 6, Node: 4},
	}
	for perm := range permutations(len(entries)) {
		var s Store
		for _, i := range perm {
			s.Merge(entries[i])
		}
		got, _ := s.Get("k")
		assert.Equal(t, "c", got.Value, "order %v", perm)
	}
}

func permutations(n int) func(func([]int) bool) {
	return func(yield func([]int) bool) {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		var rec func(int) bool
		rec = func(k int) bool {
			if k == n {
				return yield(slices.Clone(p))
			}
			for i := k; i < n; i++ {
				p[k], p[i] = p[i], p[k]
				if !rec(k + 1) {
					return false
				}
				p[k], p[i] = p[i], p[k]
			}
			return true
		}
		rec(0)
	}
}

// The broken variant keeps whatever arrived last.
func TestArrivalMergeIsBroken(t *testing.T) {
	s := Store{arrival: true}
	s.Merge(gc.Entry{Key: "k", Value: "new", TS: 10})
	assert.True(t, s.Merge(gc.Entry{Key: "k", Value: "old", TS: 1}))
	got, _ := s.Get("k")
	assert.Equal(t, "old", got.Value)
}

// A slice handed out by Entries (and sent) is never written through.
func TestEntriesAreNotChangedAfterHandingOut(t *testing.T) {
	var s Store
	s.Merge(gc.Entry{Key: "k", Value: "v1", TS: 1})
	out := s.Entries()
	s.Merge(gc.Entry{Key: "k", Value: "v2", TS: 2})
	s.Merge(gc.Entry{Key: "j", Value: "v3", TS: 3})
	assert.Equal(t, []gc.Entry{{Key: "k", Value: "v1", TS: 1}}, out)
	assert.Equal(t, 2, s.Len())
}

func TestDiff(t *testing.T) {
	var s Store
	for _, e := range []gc.Entry{
		{Key: "same", Value: "x", TS: 5, Node: 1},
		{Key: "mine-newer", Value: "m", TS: 9, Node: 1},
		{Key: "theirs-newer", Value: "t", TS: 2, Node: 1},
		{Key: "only-mine", Value: "o", TS: 3, Node: 0},
	} {
		s.Merge(e)
	}
	digest := []KeyStamp{
		{Key: "same", TS: 5, Node: 1},
		{Key: "mine-newer", TS: 8, Node: 4},
		{Key: "theirs-newer", TS: 2, Node: 2}, // same time, larger node id
		{Key: "only-theirs", TS: 1, Node: 0},
	}
	send, want := s.Diff(digest)
	var keys []string
	for _, e := range send {
		keys = append(keys, e.Key)
	}
	assert.ElementsMatch(t, []string{"mine-newer", "only-mine"}, keys)
	assert.ElementsMatch(t, []string{"theirs-newer", "only-theirs"}, want)
	send, want = s.Diff(s.Digest())
	assert.Empty(t, send, "a store in sync with the digest sends nothing")
	assert.Empty(t, want)
}

func TestTopologies(t *testing.T) {
	servers := serverIDs(25)
	degree := func(topology string, branching int) []int {
		var out []int
		for _, nb := range neighbours(topology, branching, servers) {
			out = append(out, len(nb))
		}
		return out
	}
	assert.Equal(t, 24, slices.Min(degree(TopologyTotal, 0)))
	line := degree(TopologyLine, 0)
	assert.Equal(t, 1, line[0])
	assert.Equal(t, 2, line[12])
	grid := degree(TopologyGrid, 0) // 5×5
	assert.Equal(t, 2, grid[0], "a corner")
	assert.Equal(t, 4, grid[12], "the middle")
	tree := neighbours(TopologyTree, 4, servers)
	assert.Equal(t, []simnet.NodeID{1, 2, 3, 4}, tree[0])
	assert.Equal(t, []simnet.NodeID{1, 21, 22, 23, 24}, tree[5], "n5: its parent n1, its children n21…n24")
	// Every topology is symmetric.
	for _, topo := range Topologies {
		nb := neighbours(topo, 3, servers)
		for i, list := range nb {
			for _, j := range list {
				assert.Contains(t, nb[j], simnet.NodeID(i), "%s: %d→%d but not back", topo, i, j)
			}
		}
	}
}

// Every message that carries entries says so through gc.Carrier and in
// JSON, which is how the checkers find them in a trace file.
func TestCarriersCarryEntriesInJSON(t *testing.T) {
	e := []gc.Entry{{Key: "k", Value: "v", TS: 1}}
	for _, m := range []gc.Carrier{Push{Entries: e}, Diff{Entries: e}, Rumor{Entries: e}, Flood{Entries: e}} {
		raw, err := json.Marshal(m)
		require.NoError(t, err)
		var back struct {
			Entries []gc.Entry `json:"entries"`
		}
		require.NoError(t, json.Unmarshal(raw, &back))
		assert.Equal(t, m.Carried(), back.Entries, "%T", m)
	}
}

// pusherIn builds a replica of the seed's gossip inside a simulation of n
// replicas, without running it.
func pusherIn(t *testing.T, n int, p PushParams) *pusher {
	sim := simnet.New(simnet.Config{Seed: 1})
	servers := serverIDs(n)
	var g *pusher
	sim.AddNodes("n", n, "server-group-for-test", func(env *simnet.Env) simnet.Node {
		node := newPusher(env, servers, p, false)
		if env.ID() == 0 {
			g = node
		}
		return node
	})
	sim.Run(0)
	require.NotNil(t, g)
	return g
}

func TestChooseWithoutMemory(t *testing.T) {
	g := pusherIn(t, 10, PushParams{K: 3, Period: time.Second})
	seen := map[simnet.NodeID]bool{}
	for range 200 {
		peers := g.choose()
		require.Len(t, peers, 3)
		assert.NotContains(t, peers, g.me, "never itself")
		assert.Len(t, uniq(peers), 3, "k distinct peers")
		for _, p := range peers {
			seen[p] = true
		}
	}
	assert.Len(t, seen, 9, "every peer gets picked sooner or later")
}

func TestChooseWithMemory(t *testing.T) {
	g := pusherIn(t, 10, PushParams{K: 2, Period: time.Second, Memory: true})
	var all []simnet.NodeID
	for range 4 {
		all = append(all, g.choose()...)
	}
	all = append(all, g.choose()...) // the ninth peer: one left
	assert.Len(t, all, 9)
	assert.Len(t, uniq(all), 9, "no peer twice while the data is the same")
	assert.Empty(t, g.choose(), "everyone has the current data: quiet")
	g.forget()
	assert.Len(t, g.choose(), 2, "new data: everyone is a candidate again")
}

func uniq(ids []simnet.NodeID) []simnet.NodeID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
