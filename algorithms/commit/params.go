package commit

import (
	"fmt"
	"time"
)

// Timing is what every commit protocol's nodes wait for.
type Timing struct {
	VoteTimeout time.Duration `yaml:"vote_timeout" doc:"the coordinator aborts a transaction whose votes have not all come within this"`
	Retry       time.Duration `yaml:"retry" doc:"how often a message that is not answered is sent again"`
	Timeout     time.Duration `yaml:"timeout" doc:"how long a participant that voted Yes waits for the next message before it acts (2PC: asks; 3PC: its timeout rule or the termination protocol)"`
	SendGap     time.Duration `yaml:"send_gap" doc:"the coordinator sends a phase's messages one after another, this far apart (the first after one gap); 0 sends them at once. A crash then can fall in the middle of a broadcast"`
}

// Params2PC configures 2pc.
type Params2PC struct {
	Timing   `yaml:",inline"`
	AskPeers bool `yaml:"ask_peers" doc:"an uncertain participant asks its peers too, not only the coordinator (the cooperative termination protocol)"`
}

// ParamsHeuristic configures 2pc-heuristic.
type ParamsHeuristic struct {
	Timing         `yaml:",inline"`
	HeuristicAfter time.Duration `yaml:"heuristic_after" doc:"a prepared participant decides alone after this long without a decision"`
	Heuristic      string        `yaml:"heuristic" doc:"what it decides alone: abort or commit"`
}

// Params3PC configures 3pc and 3pc-skeen.
type Params3PC struct {
	Timing `yaml:",inline"`
}

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
