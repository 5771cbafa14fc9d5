package commit

import (
	"fmt"
	"time"
)

// Timing is what every commit protocol's nodes wait for. Each
// algorithm's params repeat these fields (flat in the scenario's params:
// section, as every other family's params are).
type Timing struct {
	VoteTimeout time.Duration
	Retry       time.Duration
	Timeout     time.Duration
	SendGap     time.Duration
}

// Params2PC configures 2pc.
type Params2PC struct {
	VoteTimeout time.Duration `yaml:"vote_timeout" doc:"the coordinator aborts a transaction whose votes have not all come within this"`
	Retry       time.Duration `yaml:"retry" doc:"how often a message that is not answered is sent again"`
	Timeout     time.Duration `yaml:"timeout" doc:"how long a participant that voted Yes waits before it asks the coordinator (and, with ask_peers, its peers) for the decision"`
	SendGap     time.Duration `yaml:"send_gap" doc:"the coordinator sends a phase's messages one after another, this far apart (the first after one gap); 0 sends them at once. A crash can then fall in the middle of a broadcast"`
	AskPeers    bool          `yaml:"ask_peers" doc:"an uncertain participant asks its peers too, not only the coordinator (the cooperative termination protocol)"`
}

// ParamsHeuristic configures 2pc-heuristic.
type ParamsHeuristic struct {
	VoteTimeout    time.Duration `yaml:"vote_timeout" doc:"the coordinator aborts a transaction whose votes have not all come within this"`
	Retry          time.Duration `yaml:"retry" doc:"how often a message that is not answered is sent again"`
	Timeout        time.Duration `yaml:"timeout" doc:"how long a participant that voted Yes waits before it asks the coordinator for the decision"`
	SendGap        time.Duration `yaml:"send_gap" doc:"the coordinator sends a phase's messages one after another, this far apart (the first after one gap); 0 sends them at once"`
	HeuristicAfter time.Duration `yaml:"heuristic_after" doc:"a prepared participant decides alone after this long without a decision"`
	Heuristic      string        `yaml:"heuristic" doc:"what it decides alone: abort or commit"`
}

// Params3PC configures 3pc and 3pc-skeen.
type Params3PC struct {
	VoteTimeout time.Duration `yaml:"vote_timeout" doc:"the coordinator aborts a transaction whose votes (the seed's 3PC: or ACKs) have not all come within this"`
	Retry       time.Duration `yaml:"retry" doc:"how often a message that is not answered is sent again"`
	Timeout     time.Duration `yaml:"timeout" doc:"how long a participant that voted Yes waits for the next message before it acts (3pc: the seed's timeout rule; 3pc-skeen: a termination round)"`
	SendGap     time.Duration `yaml:"send_gap" doc:"the coordinator sends a phase's messages one after another, this far apart (the first after one gap); 0 sends them at once. A crash can then fall in the middle of a broadcast"`
}

func (p *Params2PC) timing() Timing { return Timing{p.VoteTimeout, p.Retry, p.Timeout, p.SendGap} }
func (p *ParamsHeuristic) timing() Timing {
	return Timing{p.VoteTimeout, p.Retry, p.Timeout, p.SendGap}
}
func (p *Params3PC) timing() Timing { return Timing{p.VoteTimeout, p.Retry, p.Timeout, p.SendGap} }

// DefaultTiming suits the default network (1–10 ms per message).
func DefaultTiming() Timing {
	return Timing{VoteTimeout: 300 * time.Millisecond, Retry: 50 * time.Millisecond, Timeout: 300 * time.Millisecond}
}

func (t Timing) validate() error {
	switch {
	case t.VoteTimeout <= 0 || t.Retry <= 0 || t.Timeout <= 0:
		return fmt.Errorf("vote_timeout, retry and timeout must be positive")
	case t.SendGap < 0:
		return fmt.Errorf("send_gap must not be negative")
	}
	return nil
}

// config is what the nodes of one algorithm run with: its timing and the
// variant's rules.
type config struct {
	Timing
	askPeers       bool
	heuristicAfter time.Duration // 2pc-heuristic: > 0
	heuristic      bool          // what the heuristic decides: commit?
	threePhase     bool
	skeen          bool // 3pc-skeen: the termination protocol; else the seed's timeout rules
}
