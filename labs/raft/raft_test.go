package raft_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"distlab/algorithms/raft"
	"distlab/labs/labkit"
	"distlab/scenarios"
	"distlab/simnet/trace"
)

// The scenarios live with the others; each test names the one it grades.
const dir = "../../scenarios/raft/"

// Budgets keep solutions honest about cost. The reference solution's
// figures are in the README; each budget leaves about half again as much.
const (
	// Raft messages (AppendEntries, InstallSnapshot and their replies) per
	// client operation while operations are running, in steady.yaml.
	budgetRaftPerOp = 16.0
	// Client requests per operation in steady.yaml (redirects and retries
	// included).
	budgetClientPerOp = 1.6
	// RequestVote messages (pre-votes not counted) per election, in
	// election-nemesis.yaml.
	budgetVotesPerElection = 8.0
	// InstallSnapshot messages sent in snapshot-install.yaml.
	budgetSnapshots = 40
)

// Part 1: leader election.
func TestElection(t *testing.T) {
	labkit.Points(t, 15)
	sc := labkit.Load(t, dir+"election-nemesis.yaml")
	res := labkit.Expect(t, sc)
	elections, votes := 0, 0
	for _, e := range res.Trace.All() {
		switch {
		case e.Kind == trace.Mark && e.Name == "election":
			elections++
		case e.Kind == trace.Send && e.Name == "RequestVote":
			if m, ok := e.Body.(raft.RequestVote); ok && !m.PreVote {
				votes++
			}
		}
	}
	per := float64(votes) / float64(max(elections, 1))
	t.Logf("%d elections, %.1f RequestVote per election (budget %.0f)", elections, per, budgetVotesPerElection)
	if per > budgetVotesPerElection {
		t.Errorf("%.1f RequestVote messages per election, over the budget of %.0f: ask each peer once per election", per, budgetVotesPerElection)
	}
	labkit.Sweep(t, sc, labkit.Seeds(300))
}

// Part 2: log replication, on a quiet network and around a lost leader.
func TestReplication(t *testing.T) {
	labkit.Points(t, 15)
	res := labkit.Expect(t, labkit.Load(t, dir+"steady.yaml"))
	raftMsgs, clientMsgs, ops := costDuringOps(res.Trace)
	perOp := float64(raftMsgs) / float64(ops)
	clientPerOp := float64(clientMsgs) / float64(ops)
	t.Logf("steady state: %d operations, %.1f Raft messages and %.2f client requests per operation (budgets %.0f, %.1f)",
		ops, perOp, clientPerOp, budgetRaftPerOp, budgetClientPerOp)
	if perOp > budgetRaftPerOp {
		t.Errorf("%.1f Raft messages per operation, over the budget of %.0f (run: %s run scenarios/raft/steady.yaml)", perOp, budgetRaftPerOp, labkit.Command())
	}
	if clientPerOp > budgetClientPerOp {
		t.Errorf("%.2f client requests per operation, over the budget of %.1f: do followers name the leader?", clientPerOp, budgetClientPerOp)
	}

	res = labkit.Expect(t, labkit.Load(t, dir+"leader-partition.yaml"))
	// c0 is cut off with the old leader from 1.5 s to 3.5 s: nothing it
	// asks in that time may return before the heal.
	if op := returnedWhileCut(res.Trace, "c0", 1500*time.Millisecond, 3500*time.Millisecond); op != "" {
		t.Errorf("an operation of c0 returned while c0 could reach only a minority: %s — only a majority commits (run: %s run scenarios/raft/leader-partition.yaml)", op, labkit.Command())
	}
	labkit.Expect(t, labkit.Load(t, dir+"leader-crash.yaml"))
}

// Part 2 under fire: first a targeted schedule (the leader cut off with
// unreplicated entries, a new leader, the old one back with a conflicting
// suffix, the new leader crashed: Figure 8, truncation and the commit
// rules), then random partitions, crashes, loss, duplication and
// reordering.
func TestReplicationNemesis(t *testing.T) {
	labkit.Points(t, 15)
	labkit.Sweep(t, labkit.Load(t, dir+"leader-churn.yaml"), labkit.Seeds(100))
	labkit.Sweep(t, labkit.Load(t, dir+"nemesis.yaml"), labkit.Seeds(500))
}

// Part 3: persistence. The whole cluster crashes and restarts; servers
// crash in the middle of elections (pre-vote off: a vote forgotten at a
// restart is a second vote); servers crash any time, several at once.
func TestPersistence(t *testing.T) {
	labkit.Points(t, 15)
	labkit.Expect(t, labkit.Load(t, dir+"cluster-restart.yaml"))
	labkit.Sweep(t, labkit.Load(t, dir+"vote-restarts.yaml"), labkit.Seeds(300))
	labkit.Sweep(t, labkit.Load(t, dir+"crash-nemesis.yaml"), labkit.Seeds(500))
}

// Part 4: snapshots and InstallSnapshot.
func TestSnapshots(t *testing.T) {
	labkit.Points(t, 20)
	res := labkit.Expect(t, labkit.Load(t, dir+"snapshot-install.yaml"))
	tr := res.Trace
	sent, got := 0, 0
	n1, _ := tr.NodeByName("n1")
	for _, e := range tr.All() {
		if e.Name == "InstallSnapshot" && e.Peer == n1 && e.Kind == trace.Send {
			sent++
		}
		if e.Name == "InstallSnapshot" && e.Node == n1 && e.Kind == trace.Deliver {
			got++
		}
	}
	if got == 0 {
		t.Errorf("n1 never received InstallSnapshot after its isolation: does the leader compact its log, and send the snapshot when nextIndex falls behind it?")
	}
	if sent > budgetSnapshots {
		t.Errorf("%d InstallSnapshot messages sent to n1, over the budget of %d: do not resend while one may still be in flight", sent, budgetSnapshots)
	}
	commits := lastState(tr, "commit")
	snaps := lastState(tr, "snapshot")
	logs := lastState(tr, "log")
	for i, name := range tr.Header.Nodes[:5] {
		if snaps[i] == 0 {
			t.Errorf("%s never took a snapshot (published \"snapshot\" stays 0)", name)
		}
		if logs[i]-snaps[i] > 3*20 {
			t.Errorf("%s keeps %d entries after its snapshot at %d: compact the log", name, logs[i]-snaps[i], snaps[i])
		}
	}
	if commits[1] < commits[0]-5 && commits[1] < commits[2]-5 {
		t.Errorf("n1 did not catch up after rejoining: commit %d, others %v", commits[1], commits[:5])
	}
	labkit.Sweep(t, labkit.Load(t, dir+"snapshot-duplicates.yaml"), labkit.Seeds(100))
	labkit.Sweep(t, labkit.Load(t, dir+"snapshot-nemesis.yaml"), labkit.Seeds(500))
}

// Part 5: the key-value service: exactly-once under retries and
// duplicates.
func TestKV(t *testing.T) {
	labkit.Points(t, 15)
	labkit.Sweep(t, labkit.Load(t, dir+"retries.yaml"), labkit.Seeds(500))
}

// The checkers themselves: the broken variants must be caught (a Get
// answered without a quorum; a second vote in one term).
func TestBrokenVariantsAreCaught(t *testing.T) {
	labkit.Points(t, 5)
	labkit.Expect(t, labkit.Load(t, dir+"stale-read.yaml"))
	labkit.Expect(t, labkit.Load(t, dir+"double-vote.yaml"))
}

// costDuringOps counts Raft and client messages sent between the first
// invoke and the last return (idle heartbeats afterwards are not the
// operations' cost), and the operations.
func costDuringOps(tr *trace.Trace) (raftMsgs, clientMsgs, ops int) {
	var first, last time.Duration = -1, 0
	for _, e := range tr.All() {
		switch e.Kind {
		case trace.Invoke:
			ops++
			if first < 0 {
				first = e.Time
			}
		case trace.Return:
			last = e.Time
		}
	}
	for _, e := range tr.All() {
		if e.Kind != trace.Send || e.Time < first || e.Time > last {
			continue
		}
		switch e.Name {
		case "AppendEntries", "AppendEntriesReply", "InstallSnapshot", "InstallSnapshotReply":
			raftMsgs++
		case "ClientRequest":
			clientMsgs++
		}
	}
	return raftMsgs, clientMsgs, max(ops, 1)
}

// returnedWhileCut finds an operation of client invoked in [from, to) that
// returned before to.
func returnedWhileCut(tr *trace.Trace, client string, from, to time.Duration) string {
	id, _ := tr.NodeByName(client)
	inv := map[int64]time.Duration{}
	for _, e := range tr.All() {
		if e.Node != id {
			continue
		}
		switch e.Kind {
		case trace.Invoke:
			if e.Time >= from && e.Time < to {
				inv[e.Op] = e.Time
			}
		case trace.Return:
			if at, ok := inv[e.Op]; ok && e.Time < to {
				return fmt.Sprintf("operation %d invoked at %v returned at %v (trace event %d)", e.Op, at, e.Time, e.Index)
			}
		}
	}
	return ""
}

// lastState is each node's last published value of an integer state key.
func lastState(tr *trace.Trace, key string) []int64 {
	out := make([]int64, len(tr.Header.Nodes))
	for _, e := range tr.All() {
		if e.Kind == trace.State && e.Name == key {
			v, _ := strconv.ParseInt(e.Value, 10, 64)
			out[e.Node] = v
		}
	}
	return out
}

var _ = scenarios.Load // the scenarios package runs every test here
