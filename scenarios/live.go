package scenarios

import (
	"fmt"
	"os"
	"time"

	"distlab/simnet"
)

// Live is a scenario's simulation stepped by someone who may add faults as
// it goes (the visualizer's live mode), and who can then write what
// happened as a scenario file that replays it exactly: the run's own
// faults (the nemesis's drawn out) and the added ones, with the network the
// run used.
//
//	live, _ := sc.StartLive(seed)
//	live.Step() …
//	live.Inject(simnet.Fault{Kind: simnet.FaultCrash, Node: 2})
//	data, _ := live.Encode()
type Live struct {
	*simnet.Sim
	sc      *Scenario
	seed    int64
	faults  []simnet.Fault
	network simnet.Link
}

// StartLive builds the scenario's simulation for a seed, ready to step.
func (sc *Scenario) StartLive(seed int64) (*Live, error) {
	b, err := sc.build(seed)
	if err != nil {
		return nil, err
	}
	return &Live{Sim: b.sim, sc: sc, seed: seed, faults: b.faults, network: b.network}, nil
}

// Inject applies a fault now, and keeps it for Encode. "Now" is a moment
// a replay can reproduce: the instant under way is finished first, and
// the fault lands one nanosecond later, when nothing else is due — a
// replay, which schedules it before the run starts, then applies it at
// the same point among the run's events. f.At is ignored.
func (l *Live) Inject(f simnet.Fault) error {
	if l.sc.Duration > 0 && l.Now() >= l.sc.Duration {
		return fmt.Errorf("the run is over (it lasts %v)", l.sc.Duration)
	}
	for {
		at, ok := l.NextAt()
		if !ok || at > l.Now()+1 {
			break
		}
		l.Step()
	}
	f.At = l.Now() + time.Nanosecond
	if l.sc.Duration > 0 && f.At > l.sc.Duration {
		return fmt.Errorf("the run is over (it lasts %v)", l.sc.Duration)
	}
	l.Schedule(f)
	l.Step() // nothing else is due before it: this applies it
	l.faults = append(l.faults, f)
	return nil
}

// Faults is every fault of the session so far: the run's, then the
// injected ones.
func (l *Live) Faults() []simnet.Fault { return l.faults }

// Encode writes the session as a scenario file (YAML) that replays it.
func (l *Live) Encode() ([]byte, error) {
	sc := l.sc.WithFaults(l.faults, l.Trace().Header.Nodes)
	sc.Network = l.network
	comment := fmt.Sprintf("A live session of %s (seed %d), saved from the visualizer with the faults\n"+
		"injected by hand: `distlab run` on this file replays it exactly.", l.sc.Path, l.seed)
	return sc.Encode(l.seed, l.faults, l.Trace().Header.Nodes, comment)
}

// SaveScenario writes Encode's file.
func (l *Live) SaveScenario(path string) error {
	data, err := l.Encode()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
