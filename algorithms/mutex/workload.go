package mutex

import (
	"fmt"
	"time"

	mc "distlab/contract/mutex"
	"distlab/simnet"
)

// Workload is what every node's application does, the same for the three
// algorithms so that their figures can be compared.
type Workload struct {
	// Think is the mean pause (exponential) before each request.
	Think time.Duration `yaml:"think" doc:"mean pause (exponential) before each request"`
	// Hold is the mean time inside the critical section (uniform 0.5×–1.5×).
	Hold time.Duration `yaml:"hold" doc:"mean time inside the critical section (uniform 0.5× to 1.5×)"`
	// Stop: no new request starts at or after this virtual time (0: never),
	// so a run can drain and every request be counted.
	Stop time.Duration `yaml:"stop" doc:"no new request starts at or after this virtual time, so the run can drain; 0: never"`
	// Requests caps each node's requests (0: no cap).
	Requests int `yaml:"requests" shrink:"halve" doc:"cap on each node's requests; 0: no cap"`
	// Patience is how often a waiting node wakes up (a timer, no message),
	// so a blocked run still reaches its end in the trace.
	Patience time.Duration `yaml:"patience" doc:"how often a waiting node wakes up (a timer, no message), so a blocked run still reaches its end in the trace"`
}

// DefaultWorkload is a busy cluster: requests overlap often.
func DefaultWorkload() *Workload {
	return &Workload{Think: 50 * time.Millisecond, Hold: 10 * time.Millisecond, Patience: 500 * time.Millisecond}
}

// Validate rejects a workload that cannot run.
func (w *Workload) Validate() error {
	switch {
	case w.Think < 0 || w.Hold < 0 || w.Stop < 0 || w.Patience < 0:
		return fmt.Errorf("workload durations must not be negative")
	case w.Requests < 0:
		return fmt.Errorf("workload requests must not be negative")
	}
	return nil
}

type phase uint8

const (
	idle phase = iota
	waiting
	inside
)

var phaseNames = [...]string{"idle", "waiting", "inside"}

// The workload's timer tags (strings, so the trace names them).
const (
	tagThink    = "think"
	tagHold     = "hold"
	tagPatience = "patience"
)

// algorithm is what the driver asks of each mutual-exclusion algorithm.
type algorithm interface {
	// stamp is called as the node starts wanting, before the request is
	// marked; Ricart-Agrawala returns its request's Lamport timestamp.
	stamp() int64
	// acquire asks for the critical section; the algorithm calls
	// driver.enter when it may go in.
	acquire()
	// release runs just after the node left the critical section.
	release()
}

// driver is the application on every node: it decides when the node wants
// the critical section and how long it stays in; the algorithm decides
// when it may enter.
type driver struct {
	env   *simnet.Env
	w     *Workload
	alg   algorithm
	phase phase
	epoch int64 // incarnation, from durable storage: request ids stay unique across restarts
	seq   int64 // this incarnation's request number, from 1
	req   int64 // epoch<<32 | seq: the id messages carry
	made  int
	wake  simnet.TimerID
}

// inCS is how a node in its critical section is highlighted.
const inCS = "in critical section"

// reqID makes a request id that grows across incarnations.
func reqID(epoch, seq int64) int64 { return epoch<<32 | seq }

// seqOf recovers the per-incarnation number from a request id.
func seqOf(req int64) int64 { return req & 0xffffffff }

func (d *driver) init(env *simnet.Env, w *Workload, alg algorithm) {
	d.env, d.w, d.alg = env, w, alg
	e, _ := simnet.Load[int64](env.Storage(), "mutex/epoch")
	d.epoch = e + 1
	env.Storage().Put("mutex/epoch", d.epoch)
}

// restarted reports whether this instance follows a crash.
func (d *driver) restarted() bool { return d.epoch > 1 }

// begin starts the application loop.
func (d *driver) begin() {
	d.env.Publish("cs", phaseNames[idle])
	d.next()
}

func (d *driver) next() {
	if d.w.Requests > 0 && d.made >= d.w.Requests {
		return
	}
	pause := time.Duration(d.env.Rand().ExpFloat64() * float64(d.w.Think))
	if d.w.Stop > 0 && d.env.Now()+pause >= d.w.Stop {
		return
	}
	d.env.SetTimer(pause, tagThink)
}

// timer handles the workload's own timers and reports whether tag was one.
func (d *driver) timer(tag any) bool {
	switch tag {
	case tagThink:
		d.want()
	case tagHold:
		d.exit()
	case tagPatience:
		if d.phase == waiting {
			d.wake = d.env.SetTimer(d.w.Patience, tagPatience)
		}
	default:
		return false
	}
	return true
}

func (d *driver) want() {
	d.seq++
	d.made++
	d.req = reqID(d.epoch, d.seq)
	d.phase = waiting
	ts := d.alg.stamp()
	mc.Request.Record(d.env, mc.RequestMark{Seq: d.seq, TS: ts})
	d.env.Publish("cs", phaseNames[waiting])
	if d.w.Patience > 0 {
		d.wake = d.env.SetTimer(d.w.Patience, tagPatience)
	}
	d.alg.acquire()
}

// enter is called by the algorithm when the node may go in.
func (d *driver) enter() {
	if d.phase != waiting {
		return
	}
	d.phase = inside
	if d.wake != 0 {
		d.env.CancelTimer(d.wake)
		d.wake = 0
	}
	mc.Enter.Record(d.env, mc.SeqMark{Seq: d.seq})
	d.env.Publish("cs", phaseNames[inside])
	d.env.Highlight(inCS)
	hold := d.w.Hold/2 + time.Duration(d.env.Rand().Int64N(int64(d.w.Hold)+1))
	d.env.SetTimer(hold, tagHold)
}

func (d *driver) exit() {
	d.phase = idle
	mc.Exit.Record(d.env, mc.SeqMark{Seq: d.seq})
	d.env.Publish("cs", phaseNames[idle])
	d.env.Highlight("")
	d.alg.release()
	d.next()
}
