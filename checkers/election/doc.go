// Package election checks leader-election runs (Bully, Raft's election,
// ZAB's fast leader election, or any algorithm that follows the election
// contract) from the trace alone.
//
// # The contract
//
// The marks (election, leader, stepdown, vote), the published "leader"
// state and the fields of the messages these checks read are defined
// once, in distlab/contract/election, which the algorithms import too.
//
// # Facts from messages, not only marks
//
// A vote is also a granted Raft RequestVoteReply (not a pre-vote) or a
// ZAB notification sent while LOOKING, whether or not the node marked it;
// leadership is also a message only a leader sends (Raft's AppendEntries
// and InstallSnapshot with its term, ZAB's Ping with its epoch, Bully's
// Heartbeat and Victory). Marks and messages that disagree — a vote sent
// but never marked, a leader's message from a node whose marks say it
// does not lead (or leads another term) — fail the check with a detail
// that says so.
//
// # The checks
//
//	one-leader-per-term  (Raft, ZAB) two nodes leading one term, by their
//	                     "leader" marks or by the leader's messages they
//	                     send, fail; so does a leader's message in a term
//	                     its sender never marked leading.
//	zab-freshest-leader  (ZAB) a leader's quorum (its mark) is a majority
//	                     of the voting servers (those the trace never shows
//	                     OBSERVING); each member voted for it in the round
//	                     it won (the mark's round), and the member's own
//	                     (zxid, id) in that vote — its least fresh one
//	                     since the leader started, what the leader counted
//	                     — is at most the leader's. Every vote a
//	                     notification casts must have been marked.
//	one-vote-per-term    (Raft) no node votes for two different candidates
//	                     in one term, by its marks or by the votes it sends,
//	                     restarts included (a vote that was not persisted);
//	                     a vote sent but never marked fails too.
//	split-brain          (all) at every instant, which live nodes believe
//	                     they are leader, per connected component of the
//	                     network (the shared replay of Partition, Heal,
//	                     Cut, Isolate and Rejoin; two nodes are linked when
//	                     messages pass both ways; nodes named in no
//	                     partition group keep every link). A leader whose
//	                     "leader" mark carries a quorum (Raft, ZAB) only
//	                     counts while its component holds live servers
//	                     making a majority of all servers; a leader without
//	                     a quorum (Bully) always counts. Fails when counted
//	                     leaders sit in two components at once for longer
//	                     than the grace option (default 0), or when two
//	                     leaders share one component, each pair judged on
//	                     its own, for longer than the handover option: the
//	                     algorithm's own (Raft one election timeout,
//	                     election_timeout_max; ZAB two timeouts; Bully two
//	                     heartbeats — algo.Spec.Tolerances), else 500ms.
//	                     Also fails when a node sends a leader's message
//	                     while its marks say it does not lead.
//	election-liveness    (all) within the bound option (default 3s) of the
//	                     last fault, a single leader is known to every live
//	                     server (one node holds leadership and every live
//	                     server's "leader" state names it), and whenever
//	                     that agreement is lost later (a follower that
//	                     missed pings re-elects) it comes back within the
//	                     bound: no span without it, from the last fault to
//	                     the end, lasts longer. Unknown when the run ends
//	                     before the bound runs out without a leader known.
//	election-cost        (all) metrics: elections, leader changes, messages
//	                     and virtual time per election, and to the first
//	                     leader known to all. Fails when leadership changes
//	                     hands more often than max_leader_changes; by
//	                     default one change per fault the trace shows so
//	                     far, plus one (Bully's "frequent switchover", or a
//	                     node that declares itself leader beside a live
//	                     higher one).
//
// The per-term checks take no options; an algorithm opts into them by
// listing them in its Spec.Checks (Raft and ZAB do, Bully does not: its
// terms are local counters).
//
// Every check also reports its measurements in Result.Metrics.
//
// # Event by event
//
// Every check judges a run as it is recorded (check.Spec.Observe), so a
// long run's trace need not stay in memory; over a whole trace its Run
// folds the same observer. The per-term checks read only sends, marks
// (and, for zab-freshest-leader, starts); split-brain, election-liveness
// and election-cost read every event, for they judge instants and the
// end of the run. The last two judge from the last fault, which is known
// only at the end: they follow the run from each fault as if it were the
// last, and drop that judging when another fault comes. It is the reading
// of a trace whose time never goes back, as a recorded run's never does;
// election-liveness says unknown on a trace made by hand whose time does,
// and election-cost leaves out its to_known metrics there.
package election
