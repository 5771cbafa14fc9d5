package commit

import (
	"fmt"
	"slices"
	"strings"

	cm "distlab/contract/commit"
	"distlab/simnet"
)

// pstate is where a participant stands in one transaction.
type pstate uint8

const (
	stNone         pstate = iota
	stPrepared            // voted Yes: locked and logged (2PC has also executed)
	stPreCommitted        // 3PC: acknowledged PreCommit, executed
	stCommitted
	stAborted
)

var stateNames = [...]string{"none", "prepared", "precommitted", "committed", "aborted"}

func (s pstate) String() string { return stateNames[s] }

func (s pstate) decided() bool { return s == stCommitted || s == stAborted }

// item is one account or stock item. Version counts the committed
// transactions that wrote it.
type item struct {
	Kind    string
	Value   int64
	Version int64
}

// txnRec is a participant's durable record of one transaction: its log.
type txnRec struct {
	State        pstate
	Ops          []cm.Op // this participant's operations
	Participants []string
	// Undo holds each written item's value before the transaction
	// executed (the undo log; the new values are the redo).
	Undo     map[string]int64
	Executed bool
	// Promised is the highest termination ballot this participant answered
	// (3pc-skeen): PreCommits of lower ballots are refused.
	Promised int64
	// Recovered: the participant crashed after it voted and before it
	// learned the decision (3pc-skeen: it may not lead a termination round
	// on partial knowledge).
	Recovered bool
}

// lockState is one item's lock: one writer, or readers.
type lockState struct {
	writer  string
	readers []string
}

// store is a participant's database: its items, their locks, and its
// transaction records, kept in durable storage (items under "item/", records
// under "txn/"). Locks are volatile and rebuilt from the records at restart.
type store struct {
	env   *simnet.Env
	me    string
	items map[string]*item
	txns  map[string]*txnRec
	locks map[string]*lockState
}

const (
	itemPrefix = "item/"
	txnPrefix  = "txn/"
	initKey    = "initialized"
)

// openStore loads the participant's database, or creates it with its
// initial items at the first start (recording them for the checkers).
func openStore(env *simnet.Env, initial []itemInit) *store {
	s := &store{env: env, me: env.Name(), items: map[string]*item{}, txns: map[string]*txnRec{}, locks: map[string]*lockState{}}
	st := env.Storage()
	if _, ok := st.Get(initKey); !ok {
		for _, it := range initial {
			if it.node != s.me {
				continue
			}
			s.items[it.key] = &item{Kind: it.kind, Value: it.value}
			st.Put(itemPrefix+it.key, *s.items[it.key])
			cm.Item.Record(env, cm.ItemMark{Item: s.me + "/" + it.key, Kind: it.kind, Value: it.value})
		}
		st.Put(initKey, true)
		return s
	}
	for _, k := range st.Keys() {
		switch {
		case strings.HasPrefix(k, itemPrefix):
			it, _ := simnet.Load[item](st, k)
			s.items[strings.TrimPrefix(k, itemPrefix)] = &it
		case strings.HasPrefix(k, txnPrefix):
			rec, _ := simnet.Load[txnRec](st, k)
			s.txns[strings.TrimPrefix(k, txnPrefix)] = &rec
		}
	}
	return s
}

// mine keeps the operations of a transaction that are this participant's.
func (s *store) mine(ops []cm.Op) []cm.Op {
	var out []cm.Op
	for _, o := range ops {
		if o.Node == s.me {
			out = append(out, o)
		}
	}
	return out
}

// refuse says why the participant cannot promise to commit ops ("" when it
// can): an item it does not hold, a balance or stock that would go
// negative, or a lock another transaction holds (no waiting: a conflict is
// a No vote, so no deadlock can form).
func (s *store) refuse(txn string, ops []cm.Op) string {
	sum := map[string]int64{}
	for _, o := range ops {
		it, ok := s.items[o.Key]
		if !ok {
			return fmt.Sprintf("no item %s", o.Item())
		}
		if l := s.locks[o.Key]; l != nil {
			if l.writer != "" && l.writer != txn {
				return fmt.Sprintf("%s locked by %s", o.Item(), l.writer)
			}
			if o.Delta != 0 && slices.ContainsFunc(l.readers, func(r string) bool { return r != txn }) {
				return fmt.Sprintf("%s read-locked by %s", o.Item(), l.readers[0])
			}
		}
		sum[o.Key] += o.Delta
		if it.Value+sum[o.Key] < 0 {
			return fmt.Sprintf("%s would go negative (%d %+d)", o.Item(), it.Value, sum[o.Key])
		}
	}
	return ""
}

// lock takes the transaction's locks: exclusive for a write, shared for a
// read.
func (s *store) lock(txn string, ops []cm.Op) {
	for _, o := range ops {
		l := s.locks[o.Key]
		if l == nil {
			l = &lockState{}
			s.locks[o.Key] = l
		}
		if o.Delta != 0 {
			l.writer = txn
		} else if !slices.Contains(l.readers, txn) {
			l.readers = append(l.readers, txn)
		}
	}
}

// unlock releases the transaction's locks.
func (s *store) unlock(txn string, ops []cm.Op) {
	for _, o := range ops {
		l := s.locks[o.Key]
		if l == nil {
			continue
		}
		if l.writer == txn {
			l.writer = ""
		}
		l.readers = slices.DeleteFunc(l.readers, func(r string) bool { return r == txn })
		if l.writer == "" && len(l.readers) == 0 {
			delete(s.locks, o.Key)
		}
	}
}

// execute applies the writes in place, keeping each item's old value in the
// record's undo log.
func (s *store) execute(rec *txnRec) {
	if rec.Executed {
		return
	}
	if rec.Undo == nil {
		rec.Undo = map[string]int64{}
	}
	for _, o := range rec.Ops {
		if o.Delta == 0 {
			continue
		}
		it := s.items[o.Key]
		if _, ok := rec.Undo[o.Key]; !ok {
			rec.Undo[o.Key] = it.Value
		}
		it.Value += o.Delta
		s.putItem(o.Key)
	}
	rec.Executed = true
}

// reads returns the values the transaction reads.
func (s *store) reads(ops []cm.Op) map[string]cm.Read {
	var out map[string]cm.Read
	for _, o := range ops {
		if !o.Read {
			continue
		}
		if out == nil {
			out = map[string]cm.Read{}
		}
		it := s.items[o.Key]
		out[o.Item()] = cm.Read{Value: it.Value, Version: it.Version}
	}
	return out
}

// commit makes an executed transaction's writes permanent: a new version of
// every item it wrote. It returns those versions.
func (s *store) commit(rec *txnRec) map[string]int64 {
	var versions map[string]int64
	for _, key := range writtenKeys(rec.Ops) {
		it := s.items[key]
		it.Version++
		s.putItem(key)
		if versions == nil {
			versions = map[string]int64{}
		}
		versions[s.me+"/"+key] = it.Version
	}
	return versions
}

// undo rolls an executed transaction back from its undo log.
func (s *store) undo(rec *txnRec) {
	if !rec.Executed {
		return
	}
	for _, key := range writtenKeys(rec.Ops) {
		if old, ok := rec.Undo[key]; ok {
			s.items[key].Value = old
			s.putItem(key)
		}
	}
	rec.Executed = false
}

func writtenKeys(ops []cm.Op) []string {
	var keys []string
	for _, o := range ops {
		if o.Delta != 0 && !slices.Contains(keys, o.Key) {
			keys = append(keys, o.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

func (s *store) putItem(key string) { s.env.Storage().Put(itemPrefix+key, *s.items[key]) }

// save writes a transaction's record durably.
func (s *store) save(txn string, rec *txnRec) {
	s.txns[txn] = rec
	s.env.Storage().Put(txnPrefix+txn, *rec)
}

// undecided lists the transactions voted Yes on and not decided, sorted.
func (s *store) undecided() []string {
	var ids []string
	for id, rec := range s.txns {
		if rec.State == stPrepared || rec.State == stPreCommitted {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// publish shows the undecided transactions in the visualizer.
func (s *store) publish() {
	var parts []string
	for _, id := range s.undecided() {
		parts = append(parts, id+":"+s.txns[id].State.String())
	}
	if len(parts) == 0 {
		s.env.Publish(cm.StateTxns, "-")
		return
	}
	s.env.Publish(cm.StateTxns, strings.Join(parts, " "))
}
