package commit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet/trace"
)

// decision is one node's decide mark.
type decision struct {
	node     trace.NodeID
	inc      int // the node's incarnation when it decided
	at       time.Duration
	idx      int
	commit   bool
	by       string
	versions map[string]int64
}

// vote is a Vote message a participant sent, or its vote mark.
type vote struct {
	node trace.NodeID
	yes  bool
	at   time.Duration
	idx  int
}

// interval is a participant's stay undecided about a transaction after its
// Yes vote (its locks held), within one incarnation: a crash ends it, a
// restart with the transaction still undecided opens another.
type interval struct {
	node       trace.NodeID
	txn        string
	start, end time.Duration
	startIdx   int
	open       bool          // undecided at the end of the run (or at the crash)
	restarted  bool          // opened by a restart, not by the vote
	crashed    bool          // ended by a crash, not a decision
	paused     time.Duration // time spent paused inside it
}

// txnInfo is everything the trace says about one transaction.
type txnInfo struct {
	id           string
	participants []string         // from the CanCommit messages (or the begin mark)
	writes       []string         // items written, from the CanCommit messages' operations
	deltas       map[string]int64 // what it adds to each item it writes (from the first CanCommit to each participant)
	canCommitTo  []trace.NodeID   // the participants a CanCommit was sent to
	begin        time.Duration
	beginIdx     int
	coordinator  trace.NodeID
	votes        []vote // Vote messages sent
	decisions    []decision
	messages     map[string]int  // server-to-server messages by type
	drops        []time.Duration // when those were lost
	forced       int             // forced log writes
	depthDecide  int             // message delays to the coordinator's (first) decision
	depthAll     int             // … to the last participant's decision
	firstYes     time.Duration
	lastDecision time.Duration
	// healthy: when it began, every server was up and running and the
	// network whole (AC4 then also needs no fault and no loss until the
	// decision).
	healthy bool
}

// read is a committed client read.
type read struct {
	txn    string
	node   trace.NodeID
	at     time.Duration // return
	idx    int
	values map[string]cm.Read
}

// history is a commit trace read once.
type history struct {
	tr        *trace.Trace
	items     map[string]cm.ItemMark
	accounts  []string // sorted
	txns      map[string]*txnInfo
	order     []string // transactions in order of first appearance
	reads     []read
	intervals []*interval
	faults    []time.Duration // every fault and repair, in order
	lastFault time.Duration
	end       time.Duration
	problems  []string // malformed marks
	healthy   func() bool
}

func (h *history) txn(id string, at time.Duration, idx int) *txnInfo {
	t := h.txns[id]
	if t == nil {
		t = &txnInfo{id: id, begin: at, beginIdx: idx, coordinator: trace.None, messages: map[string]int{}, firstYes: -1,
			healthy: h.healthy()}
		h.txns[id] = t
		h.order = append(h.order, id)
	}
	return t
}

var (
	canCommitName = cm.MsgName[cm.CanCommit]()
	voteName      = cm.MsgName[cm.Vote]()
)

// parse reads a commit trace.
func parse(ctx context.Context, tr *trace.Trace) (*history, error) {
	h := &history{tr: tr, items: map[string]cm.ItemMark{}, txns: map[string]*txnInfo{}, end: tr.End()}
	w := trace.NewWorld(tr.Header)
	type depthKey struct {
		node trace.NodeID
		txn  string
	}
	depth := map[depthKey]int{}
	msgDepth := map[int64]int{}
	msgTxn := map[int64]string{}
	invoked := map[int64]cm.Input{}
	open := map[depthKey]*interval{} // undecided intervals by node and transaction
	pausedAt := map[trace.NodeID]time.Duration{}
	var yes []depthKey // (participant, transaction) voted Yes, in order
	decided := map[depthKey]bool{}
	isClient := func(id trace.NodeID) bool { return contract.IsClient(tr.Header, id) }
	servers := contract.Servers(tr.Header)
	h.healthy = func() bool {
		if w.Net.Faulty() {
			return false
		}
		for _, id := range servers {
			if !w.Up(id) || w.Paused(id) {
				return false
			}
		}
		return true
	}
	for i, e := range tr.All() {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("ran out of time reading the trace")
		}
		w.Apply(&e)
		if e.Kind.IsFault() {
			h.faults = append(h.faults, e.Time)
			h.lastFault = e.Time
		}
		switch e.Kind {
		case trace.Send:
			if isClient(e.Node) || isClient(e.Peer) {
				continue
			}
			txn := txnOf(e.Body)
			if txn == "" {
				continue
			}
			t := h.txn(txn, e.Time, i)
			t.messages[e.Name]++
			msgTxn[e.Msg] = txn
			msgDepth[e.Msg] = depth[depthKey{e.Node, txn}] + 1
			switch e.Name {
			case canCommitName:
				if m, ok := decodeBody[cm.CanCommit](e.Body); ok {
					if t.participants == nil {
						t.participants = m.Participants
						t.coordinator = e.Node
					}
					if !slices.Contains(t.canCommitTo, e.Peer) {
						t.canCommitTo = append(t.canCommitTo, e.Peer)
						for _, o := range m.Ops {
							if o.Delta == 0 {
								continue
							}
							if !slices.Contains(t.writes, o.Item()) {
								t.writes = append(t.writes, o.Item())
							}
							if t.deltas == nil {
								t.deltas = map[string]int64{}
							}
							t.deltas[o.Item()] += o.Delta
						}
					}
				}
			case voteName:
				if m, ok := decodeBody[cm.Vote](e.Body); ok {
					t.votes = append(t.votes, vote{node: e.Node, yes: m.Yes, at: e.Time, idx: i})
					if m.Yes && t.firstYes < 0 {
						t.firstYes = e.Time
					}
				}
			}
		case trace.Deliver:
			if id, ok := msgTxn[e.Msg]; ok {
				k := depthKey{e.Node, id}
				depth[k] = max(depth[k], msgDepth[e.Msg])
			}
		case trace.Drop:
			if id, ok := msgTxn[e.Msg]; ok {
				h.txns[id].drops = append(h.txns[id].drops, e.Time)
			}
		case trace.Invoke:
			var in cm.Input
			if e.DecodeData(&in) == nil {
				invoked[e.Op] = in
			}
		case trace.Return:
			var out cm.Output
			if e.DecodeData(&out) == nil && out.Committed && len(out.Reads) > 0 {
				h.reads = append(h.reads, read{txn: out.Txn, node: e.Node, at: e.Time, idx: i, values: out.Reads})
			}
		case trace.Crash:
			for k, iv := range open {
				if k.node == e.Node {
					iv.end, iv.crashed, iv.open = e.Time, true, true
					delete(open, k)
				}
			}
			delete(pausedAt, e.Node)
		case trace.Pause:
			pausedAt[e.Node] = e.Time
		case trace.Resume:
			if since, ok := pausedAt[e.Node]; ok {
				for k, iv := range open {
					if k.node == e.Node {
						iv.paused += e.Time - since
					}
				}
				delete(pausedAt, e.Node)
			}
		case trace.Mark:
			switch {
			case cm.Item.Is(&e):
				m, err := cm.Item.Decode(&e)
				if err != nil {
					h.problems = append(h.problems, err.Error())
					continue
				}
				if _, seen := h.items[m.Item]; !seen {
					h.items[m.Item] = m
					if m.Kind == cm.KindAccount {
						h.accounts = append(h.accounts, m.Item)
					}
				}
			case cm.Begin.Is(&e):
				m, err := cm.Begin.Decode(&e)
				if err != nil {
					h.problems = append(h.problems, err.Error())
					continue
				}
				t := h.txn(m.Txn, e.Time, i)
				if t.participants == nil {
					t.participants = m.Participants
				}
				t.coordinator = e.Node
			case cm.Voted.Is(&e):
				m, err := cm.Voted.Decode(&e)
				if err != nil {
					h.problems = append(h.problems, err.Error())
					continue
				}
				if m.Yes {
					k := depthKey{e.Node, m.Txn}
					if !slices.Contains(yes, k) {
						yes = append(yes, k)
					}
					iv := &interval{node: e.Node, txn: m.Txn, start: e.Time, startIdx: i, open: true}
					open[k] = iv
					h.intervals = append(h.intervals, iv)
				}
			case cm.Decide.Is(&e):
				m, err := cm.Decide.Decode(&e)
				if err != nil {
					h.problems = append(h.problems, err.Error())
					continue
				}
				t := h.txn(m.Txn, e.Time, i)
				d := decision{node: e.Node, inc: w.Incarnation(e.Node), at: e.Time, idx: i, commit: m.Commit, by: m.By, versions: m.Versions}
				t.decisions = append(t.decisions, d)
				dk := depthKey{e.Node, m.Txn}
				if e.Node == t.coordinator && t.depthDecide == 0 {
					t.depthDecide = depth[dk]
				}
				if slices.Contains(t.participants, tr.NodeName(e.Node)) {
					t.depthAll = max(t.depthAll, depth[dk])
				}
				t.lastDecision = max(t.lastDecision, e.Time)
				decided[dk] = true
				if iv := open[dk]; iv != nil {
					iv.end, iv.open = e.Time, false
					delete(open, dk)
				}
			case cm.Log.Is(&e):
				m, err := cm.Log.Decode(&e)
				if err != nil {
					h.problems = append(h.problems, err.Error())
					continue
				}
				if m.Forced {
					h.txn(m.Txn, e.Time, i).forced++
				}
			}
		case trace.Restart:
			// A participant restarts with its undecided transactions: its
			// uncertainty goes on, in a new interval.
			for _, k := range yes {
				if k.node == e.Node && !decided[k] && open[k] == nil {
					iv := &interval{node: e.Node, txn: k.txn, start: e.Time, startIdx: i, open: true, restarted: true}
					open[k] = iv
					h.intervals = append(h.intervals, iv)
				}
			}
		}
	}
	for k, iv := range open {
		iv.end = h.end
		if since, ok := pausedAt[k.node]; ok {
			iv.paused += h.end - since
		}
	}
	slices.Sort(h.accounts)
	return h, nil
}

// decodeBody reads a message body as a T: the value itself in a live
// trace, its JSON in a trace read from a file.
func decodeBody[T any](body any) (T, bool) {
	switch b := body.(type) {
	case T:
		return b, true
	case json.RawMessage:
		var v T
		err := json.Unmarshal(b, &v)
		return v, err == nil
	}
	return *new(T), false
}

// txnFields caches, per message type, the index of its field tagged
// json:"txn" (-1: none).
var txnFields sync.Map // reflect.Type → int

// txnOf is the transaction a message is about: its "txn" field, found by
// reflection in a live trace and by a scan of the JSON in a file (every
// commit message names its transaction so; others have no such field).
func txnOf(body any) string {
	if raw, ok := body.(json.RawMessage); ok {
		const key = `"txn":"`
		i := bytes.Index(raw, []byte(key))
		if i < 0 {
			return ""
		}
		rest := raw[i+len(key):]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return ""
		}
		return string(rest[:j])
	}
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Struct {
		return ""
	}
	idx, ok := txnFields.Load(v.Type())
	if !ok {
		idx = -1
		for k := range v.NumField() {
			f := v.Type().Field(k)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "txn" && f.Type.Kind() == reflect.String {
				idx = k
				break
			}
		}
		txnFields.Store(v.Type(), idx)
	}
	if k := idx.(int); k >= 0 {
		return v.Field(k).String()
	}
	return ""
}

// droppedBy reports whether a message of t was lost up to time at.
func (t *txnInfo) droppedBy(at time.Duration) bool {
	return len(t.drops) > 0 && t.drops[0] <= at
}

// outcome is a transaction's decision as the nodes made it: committed,
// aborted, or both (a disagreement), or neither.
func (t *txnInfo) outcome() (committed, aborted bool) {
	for _, d := range t.decisions {
		if d.commit {
			committed = true
		} else {
			aborted = true
		}
	}
	return
}

// faultBetween reports whether the trace has a fault or repair in [from, to].
func (h *history) faultBetween(from, to time.Duration) bool {
	i, _ := slices.BinarySearch(h.faults, from)
	return i < len(h.faults) && h.faults[i] <= to
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}
