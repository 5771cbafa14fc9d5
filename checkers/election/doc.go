// Package election checks leader-election runs (Bully, Raft's election,
// ZAB's fast leader election, or any algorithm that follows the election
// contract) from the trace alone.
//
// # The contract
//
// The marks (election, leader, stepdown, vote) and the published "leader"
// state these checks read are defined once, in distlab/contract/election,
// which the algorithms import too.
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
