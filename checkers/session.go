package checkers

import (
	"fmt"
	"time"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// Session judges a run while it is recorded, so that its incremental
// checks never read the trace afterwards (a long run's trace may then
// live on disk, or not at all):
//
//	s := checkers.NewSession(sim.Trace().Header)
//	s.Watch(spec, opts)          // false for a check that is not incremental
//	s.Follow(sim.Trace())        // or sim.SetStream(s.Observe) when no trace is kept
//	sim.Run(d)
//	r := checkers.Run(spec, sim.Trace(), opts, checkers.RunConfig{Session: s})
//
// Run finishes a watched check instead of running it over the trace, under
// the same rules: no evidence, no pass (the evidence is counted as events
// go by); the time spent observing counts against the check's bound; a
// panic while observing makes the verdict unknown.
type Session struct {
	header  trace.Header
	watched map[string]*watched
	order   []*watched
	batch   []trace.Event
	follow  *trace.Trace // the trace followed, if any
	next    int          // the first of its events not yet observed
}

type watched struct {
	spec     check.Spec
	obs      check.Observer
	wanted   trace.KindSet // what obs looks at, and what the evidence is made of
	evidence int
	spent    time.Duration // observing
	err      string        // why it stopped observing ("" while it goes on)
}

// sessionBatch is how many events are handed to the observers at once:
// the clock is read, and panics are caught, once a batch and observer.
const sessionBatch = 64

// NewSession starts a session for a run with header h.
func NewSession(h trace.Header) *Session {
	return &Session{header: h, watched: map[string]*watched{}}
}

// Watch makes the session observe an incremental check with its options
// (before the first event) and reports whether it does: a check without
// Observe is run over the trace afterwards.
func (s *Session) Watch(spec check.Spec, opts any) bool {
	if spec.Observe == nil {
		return false
	}
	w := &watched{spec: spec}
	func() {
		defer func() {
			if r := recover(); r != nil {
				w.err = fmt.Sprintf("checker panicked: %v", r)
			}
		}()
		w.obs = spec.Observe(s.header, opts)
		w.wanted = check.Wanted(w.obs)
		if spec.Contract != nil {
			w.wanted |= trace.KindsOf(trace.Mark, trace.Invoke)
		}
	}()
	s.watched[spec.Name] = w
	s.order = append(s.order, w)
	return true
}

// Watching reports whether the session watches any check (false for a
// nil session).
func (s *Session) Watching() bool { return s != nil && len(s.order) > 0 }

// Follow makes the session observe tr's events as tr grows: in batches,
// read from the trace itself before they leave memory (trace.BeforeSpill)
// and when a check is finished. It costs a reading of the trace, no copy
// of each event as it is recorded.
func (s *Session) Follow(tr *trace.Trace) {
	s.follow, s.next = tr, tr.Len()
	tr.BeforeSpill(s.catchUp)
}

// catchUp observes the followed trace's events not yet observed.
func (s *Session) catchUp() {
	tr := s.follow
	if tr == nil || s.next >= tr.Len() {
		return
	}
	from, to := s.next, tr.Len()
	s.next = to
	for _, w := range s.order {
		if w.err != "" {
			continue
		}
		start := time.Now()
		w.read(tr, from, to)
		w.spent += time.Since(start)
	}
}

// read observes events [from, to) of tr.
func (w *watched) read(tr *trace.Trace, from, to int) {
	defer func() {
		if r := recover(); r != nil {
			w.err = fmt.Sprintf("checker panicked: %v", r)
		}
	}()
	var e trace.Event
	for i := from; i < to; i++ {
		if !w.wanted.Has(tr.KindAt(i)) {
			continue
		}
		tr.Fill(i, &e)
		if w.spec.Contract != nil && w.spec.Contract.Counts(&e) {
			w.evidence++
		}
		w.obs.Observe(&e)
	}
}

// Observe hands the next event of the run to every watched check (the
// simulator's Config.Stream, when the run keeps no trace to follow).
func (s *Session) Observe(e *trace.Event) {
	if len(s.order) == 0 {
		return
	}
	if s.batch == nil {
		s.batch = make([]trace.Event, 0, sessionBatch)
	}
	s.batch = append(s.batch, *e)
	if len(s.batch) == sessionBatch {
		s.flush()
	}
}

func (s *Session) flush() {
	for _, w := range s.order {
		if w.err != "" {
			continue
		}
		start := time.Now()
		w.feed(s.batch)
		w.spent += time.Since(start)
	}
	clear(s.batch) // let go of bodies and payloads
	s.batch = s.batch[:0]
}

func (w *watched) feed(batch []trace.Event) {
	defer func() {
		if r := recover(); r != nil {
			w.err = fmt.Sprintf("checker panicked: %v", r)
		}
	}()
	for i := range batch {
		e := &batch[i]
		if w.spec.Contract != nil && w.spec.Contract.Counts(e) {
			w.evidence++
		}
		w.obs.Observe(e)
	}
}

// take hands over the watched check named name, once every event was
// observed, and forgets it.
func (s *Session) take(name string) *watched {
	if s == nil {
		return nil
	}
	w := s.watched[name]
	if w == nil {
		return nil
	}
	s.catchUp()
	if len(s.batch) > 0 {
		s.flush()
	}
	delete(s.watched, name)
	for i, o := range s.order {
		if o == w {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return w
}
