package checkers

import (
	"fmt"
	"slices"
	"time"

	"distlab/checkers/check"
	"distlab/contract"
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
	batch   []trace.Event // events streamed, not yet observed
	read    []trace.Event // events of the followed trace, being observed
	follow  *trace.Trace  // the trace followed, if any
	next    int           // the first of its events not yet observed
}

type watched struct {
	spec     check.Spec
	obs      check.Observer
	wanted   trace.KindSet // what obs looks at
	reads    trace.KindSet // what is read: wanted, and the kinds the evidence is made of
	evidence int           // 0 or 1: whether any event was evidence of its contract
	spent    time.Duration // observing
	err      string        // why it stopped observing ("" while it goes on)
}

// sessionBatch is how many events are handed to the observers at once:
// the clock is read, and panics are caught, once a batch and observer.
const sessionBatch = 256

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
		w.reads = w.wanted | evidenceKinds(spec.Contract)
	}()
	s.watched[spec.Name] = w
	s.order = append(s.order, w)
	return true
}

// evidenceKinds are the kinds of event a contract's evidence is made of
// (contract.Contract.Counts): its marks, invocations and, when it reads
// messages, their sending.
func evidenceKinds(c *contract.Contract) trace.KindSet {
	if c == nil {
		return 0
	}
	k := trace.KindsOf(trace.Mark, trace.Invoke)
	if len(c.Messages) > 0 {
		k |= trace.KindsOf(trace.Send)
	}
	return k
}

// Selection is every event the watched checks read: the kinds they look
// at and those their evidence is made of, and of the message kinds only
// the messages they name (check.MessageFilter; a contract's messages for
// its evidence). A run judged by this session alone need record nothing
// else (simnet's RecordOnly).
func (s *Session) Selection() trace.Selection {
	var sel trace.Selection
	for _, w := range s.order {
		sel.Kinds |= w.reads
	}
	for _, k := range []trace.Kind{trace.Send, trace.Deliver, trace.Drop, trace.Duplicate} {
		if !sel.Kinds.Has(k) {
			continue
		}
		names, every := []string{}, false
		for _, w := range s.order {
			if w.wanted.Has(k) {
				f, ok := w.obs.(check.MessageFilter)
				if !ok || f.Messages(k) == nil {
					every = true
					break
				}
				names = append(names, f.Messages(k)...)
			}
			if evidenceKinds(w.spec.Contract).Has(k) {
				for _, m := range w.spec.Contract.Messages {
					names = append(names, m.Names...)
				}
			}
		}
		if !every {
			if sel.Messages == nil {
				sel.Messages = map[trace.Kind][]string{}
			}
			slices.Sort(names)
			sel.Messages[k] = slices.Compact(names)
		}
	}
	return sel
}

// Watching reports whether the session watches any check (false for a
// nil session).
func (s *Session) Watching() bool { return s != nil && len(s.order) > 0 }

// Follow makes the session observe tr's events as tr grows: in batches,
// read from the trace itself every few hundred events (trace.Follow:
// before they leave memory, while they are in the processor's cache) and
// when a check is finished. It costs a reading of the trace, no copy of each
// event as it is recorded.
func (s *Session) Follow(tr *trace.Trace) {
	s.follow, s.next = tr, tr.Len()
	tr.Follow(s.catchUp)
}

// catchUp observes the followed trace's events not yet observed. Each
// event is read once, in batches, for every check that reads its kind.
func (s *Session) catchUp() {
	tr := s.follow
	if tr == nil || s.next >= tr.Len() {
		return
	}
	from, to := s.next, tr.Len()
	s.next = to
	var reads trace.KindSet
	for _, w := range s.order {
		if w.err == "" {
			reads |= w.reads
		}
	}
	if s.read == nil {
		s.read = make([]trace.Event, sessionBatch)
	}
	n := 0
	for i := range tr.Scan(reads, from, to) {
		tr.Fill(i, &s.read[n])
		if n++; n == sessionBatch {
			s.feed(s.read[:n])
			n = 0
		}
	}
	if n > 0 {
		s.feed(s.read[:n])
	}
	clear(s.read) // let go of bodies and payloads
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
	s.feed(s.batch)
	clear(s.batch) // let go of bodies and payloads
	s.batch = s.batch[:0]
}

// feed hands a batch of events to every check still observing.
func (s *Session) feed(batch []trace.Event) {
	if len(batch) == 0 {
		return
	}
	for _, w := range s.order {
		if w.err != "" {
			continue
		}
		start := time.Now()
		w.feed(batch)
		w.spent += time.Since(start)
	}
}

func (w *watched) feed(batch []trace.Event) {
	defer func() {
		if r := recover(); r != nil {
			w.err = fmt.Sprintf("checker panicked: %v", r)
		}
	}()
	for i := range batch {
		e := &batch[i]
		// Only whether there is evidence matters: the first piece will do.
		if w.evidence == 0 && w.spec.Contract != nil && w.spec.Contract.Counts(e) {
			w.evidence++
		}
		if w.wanted.Has(e.Kind) {
			w.obs.Observe(e)
		}
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
