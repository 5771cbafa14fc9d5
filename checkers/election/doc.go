// Package election checks leader-election runs (Bully, Raft's election,
// ZAB's fast leader election, or any algorithm that follows the mark
// contract below) from the trace alone.
//
// # The mark contract
//
// Every election algorithm records the same marks and visible state, so one
// set of checks serves them all. Node ids in payloads are trace.NodeID values
// (the server n3 is id 3). JSON field names are exact; the Go types below
// are the ones this package decodes into, and an algorithm declares its own
// struct with the same tags (algorithms never import checkers).
//
// Marks (env.Mark(name, payload)):
//
//	"election"  {"term":4}
//	    The node starts an election: a Raft follower becomes candidate for
//	    term 4, a Bully node sends Election messages, a ZAB node enters
//	    LOOKING (term = its election round). Used for cost only; optional.
//
//	"leader"    {"term":4,"epoch":2,"zxid":7,"quorum":[0,2,3]}
//	    The node has just become leader.
//	    term   Raft: the term it won. ZAB: the NEW epoch it leads.
//	           Bully: its own election counter (not comparable across
//	           nodes; per-term checks are not applied to Bully).
//	    epoch  ZAB only: the epoch in the leader's winning vote (its last
//	           accepted epoch before this election). Omitted elsewhere.
//	    zxid   ZAB only: the zxid in the leader's winning vote. ZAB zxids
//	           embed the epoch as ZooKeeper's do: epoch<<32 | counter.
//	    quorum the ids whose votes (Raft: granted votes; ZAB: the votes for
//	           it in this round) made it leader, itself included, sorted.
//	           Omitted when the algorithm has no quorum (Bully).
//
//	"vote"      {"term":2,"leader":3,"epoch":1,"zxid":4294967301}
//	    ZAB (required): the node now votes for "leader" in election round
//	    "term"; "epoch" and "zxid" are the VOTER'S OWN credentials (its
//	    current epoch and last zxid), so the freshness check compares the
//	    leader with what each quorum member itself reported, not with
//	    what the leader claims. Raft may record it too ({"term":T,
//	    "leader":candidate}, at most once per term); one-vote-per-term then
//	    checks it.
//
//	"stepdown"  {"term":4}
//	    The node stops being leader without crashing (a higher term seen,
//	    a higher-id Bully node took over, a ZAB leader lost its quorum).
//	    A crash ends leadership implicitly (trace.Crash); a restarted node
//	    is never leader until it records "leader" again.
//
// Visible state (env.Publish(key, value)), published whenever it changes:
//
//	"role"    leader | follower | candidate | looking | following |
//	          leading | observing | electing, waiting (Bully while it waits for
//	          Alive/Victory) — free text for the visualizer, not checked.
//	"term"    the current term / epoch (Bully: its election counter).
//	"leader"  the name of the node it currently believes is the leader
//	          ("n3"; a leader names itself), or "-" when it knows none.
//	          The liveness check reads this.
//	"zxid"    ZAB only, for the visualizer: the last zxid, in hex as
//	          ZooKeeper prints it ("0x100000005": epoch 1, counter 5).
//
// # The checks
//
//	one-leader-per-term  (Raft, ZAB) two "leader" marks with the same term
//	                     from different nodes fail; the detail names the
//	                     term and both nodes.
//	zab-freshest-leader  (ZAB) for every member q of a leader's quorum,
//	                     q's last "vote" mark before the "leader" mark is
//	                     for that leader, and q's own (zxid, id) there is
//	                     at most the leader's (zxid, id) from its mark.
//	one-vote-per-term    (Raft, when it records "vote") no node votes for
//	                     two different candidates in one term, restarts
//	                     included (a vote that was not persisted).
//	split-brain          (all) at every instant, which live nodes believe
//	                     they are leader, per connected component of the
//	                     network (rebuilt from the trace's Partition, Heal,
//	                     Cut, Isolate and Rejoin events; two nodes are linked
//	                     when messages pass both ways; nodes named in no
//	                     partition group keep every link). A leader whose
//	                     "leader" mark carries a quorum (Raft, ZAB) only
//	                     counts while its component holds live servers
//	                     making a majority of all servers — without them
//	                     it cannot decide
//	                     anything (the textbook's "keep majority"); a
//	                     leader without a quorum (Bully) always counts.
//	                     Fails when counted leaders sit in two different
//	                     components at once for longer than the grace
//	                     option (default 0) — split brain, reported with
//	                     its time span and both sides — or share one
//	                     component for longer than the handover option
//	                     (default 1s; a new leader's messages normally end
//	                     the old one's reign quickly).
//	election-liveness    (all) after the last fault (the last partition,
//	                     heal, cut, isolate, rejoin, crash or restart), a
//	                     single leader is known to every live server — one
//	                     node holds leadership and every live server's
//	                     "leader" state names it — from within the bound
//	                     option (default 3s) to the end of the run. Unknown
//	                     when the run ends before the bound runs out.
//	election-cost        (all) metrics: elections, leader changes,
//	                     messages and virtual time per election (from the
//	                     first "election" mark, or the first start, while no
//	                     election is open, to the next "leader" mark), and
//	                     time and messages until the first leader known to
//	                     all. Fails only when leadership changes hands more
//	                     than the max_leader_changes option (0: no limit) —
//	                     Bully's "frequent switchover".
//
// The per-term checks take no options; an algorithm opts into them by
// listing them in its Spec.Checks (Raft and ZAB do, Bully does not: its
// terms are local counters).
//
// Every check also reports its measurements in Result.Metrics.
package election
