// Package demo holds the smallest algorithms: a ping-pong pair and an
// all-to-all broadcast. They exercise the simulator (benchmarks, scenario
// tests) and show, on one screen, what a distlab node looks like.
package demo

import (
	"fmt"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	democ "distlab/contract/demo"
	"distlab/simnet"
)

// Ball is the one message both demos send.
type Ball struct {
	Round int
	Hops  int
}

// Params are the demos' knobs.
type Params struct {
	// Rounds is how many broadcast rounds each node starts (broadcast), or
	// how many round trips a pair makes (ping-pong); 0 means unbounded.
	Rounds int `yaml:"rounds" doc:"broadcast rounds each node starts (broadcast), or round trips a pair makes (ping-pong); 0: unbounded"`
	// Every is the pause between a node's broadcast rounds.
	Every time.Duration `yaml:"every" doc:"pause between a node's broadcast rounds"`
}

// Specs registers the demos.
func Specs() []algo.Spec {
	return []algo.Spec{
		{Name: "ping-pong", Family: "demo", Contracts: []*contract.Contract{democ.Contract}, Summary: "pairs of nodes bounce a message back and forth (simulator benchmark)",
			Checks: []string{"no-panic"}, Params: func() any { return &Params{Rounds: 100} },
			Build: func(b algo.Build) error {
				p := b.Params.(*Params)
				b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node { return &PingPong{env: env, rounds: p.Rounds} })
				return nil
			}},
		{Name: "broadcast", Family: "demo", Contracts: []*contract.Contract{democ.Contract}, Summary: "every node broadcasts to all others each round (simulator benchmark)",
			Checks: []string{"no-panic"}, Params: func() any { return &Params{Rounds: 10, Every: 10 * time.Millisecond} },
			Build: func(b algo.Build) error {
				p := b.Params.(*Params)
				if p.Every <= 0 {
					return fmt.Errorf("every must be positive")
				}
				b.Sim.AddNodes("n", b.Nodes, contract.ServerGroup, func(env *simnet.Env) simnet.Node { return &Broadcaster{env: env, p: *p} })
				return nil
			}},
	}
}

// PingPong pairs node 2k with 2k+1: the even one serves first.
type PingPong struct {
	env    *simnet.Env
	rounds int
}

// Start serves the first ping from even nodes.
func (n *PingPong) Start() {
	if n.env.ID()%2 == 0 && int(n.env.ID())+1 < len(n.env.Members(contract.ServerGroup)) {
		n.env.Send(n.env.ID()+1, Ball{})
	}
}

// Receive returns the ball until the rounds are used up.
func (n *PingPong) Receive(from simnet.NodeID, msg any) {
	p := msg.(Ball)
	if n.rounds == 0 || p.Hops < 2*n.rounds {
		n.env.Send(from, Ball{Hops: p.Hops + 1})
	}
}

// Timer is unused.
func (n *PingPong) Timer(any) {}

// Broadcaster sends a Ball to every peer each round.
type Broadcaster struct {
	env   *simnet.Env
	p     Params
	round int
	heard int
}

// Start begins the first round.
func (n *Broadcaster) Start() { n.Timer(nil) }

// Receive counts what arrives.
func (n *Broadcaster) Receive(simnet.NodeID, any) {
	n.heard++
	if n.heard%100 == 0 {
		n.env.Publish("heard", n.heard)
	}
}

// Timer runs a round and schedules the next.
func (n *Broadcaster) Timer(any) {
	if n.p.Rounds > 0 && n.round >= n.p.Rounds {
		return
	}
	n.round++
	n.env.Broadcast(Ball{Round: n.round})
	n.env.SetTimer(n.p.Every, "round")
}
