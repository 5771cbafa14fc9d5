package election

import (
	"fmt"

	"distlab/algorithms/algo"
)

// Claims shared by the election algorithms (Raft's election declares the
// same two situations in its own package). Figures are measured until ONE
// leader is known to every live server and stays so (election-liveness's
// condition): from the start, or from the leader's crash.
const (
	// keepalive lists the messages that keep a leader in place rather
	// than elect one; they are counted apart.
	cleanStart = `duration: 4s
checks:
  - {name: election-liveness, bound: 3s}
  - {name: election-cost, keepalive: [Heartbeat, Ping, Ack, AppendEntries, AppendEntriesReply]}
`
	leaderCrash = `duration: 6s
faults:
  - {at: 2s, crash: "@leader"}
checks:
  - {name: election-liveness, bound: 3s}
  - {name: election-cost, keepalive: [Heartbeat, Ping, Ack, AppendEntries, AppendEntriesReply]}
`
)

// Situations of the election comparison, for every election algorithm.
const (
	SituationCleanStart  = "clean start"
	SituationLeaderCrash = "leader crash"
	CleanStartNote       = "every node starts at once, knowing nothing; measured until one leader is known to every live server"
	LeaderCrashNote      = "the elected leader crashes at 2s; time and messages from the crash until a new leader is known to all"
)

// Claims builds an election algorithm's two claims: the time and the
// election messages (beside the textbook's count) until a leader is known
// to all, from a clean start and after the leader's crash.
func Claims(start, crash func(n int) string, reading string) []algo.Claim {
	figures := func(claim func(n int) string) []algo.Figure {
		return []algo.Figure{
			{Label: "time ms", Check: "election-cost", Metric: "to_known_ms"},
			{Label: "election msgs", Check: "election-cost", Metric: "msgs_to_known", Textbook: claim},
			{Label: "keep-alive", Check: "election-cost", Metric: "keepalive_to_known"},
			{Label: "by type", Check: "election-cost", Metric: "to_known/*"},
		}
	}
	sizes := []int{3, 5, 7, 9}
	return []algo.Claim{
		{Situation: SituationCleanStart, Note: CleanStartNote, Scenario: cleanStart, Figures: figures(start), Sizes: sizes, Seeds: 5, Reading: reading},
		{Situation: SituationLeaderCrash, Note: LeaderCrashNote, Scenario: leaderCrash, Figures: figures(crash), Sizes: sizes, Seeds: 5},
	}
}

// ClaimScenarios gives other election packages (Raft's) the same scenarios.
func ClaimScenarios() (start, crash string) { return cleanStart, leaderCrash }

var (
	bullyClaims = Claims(
		// Node i challenges the n−1−i above it, each live one answers, the
		// top one announces: n(n−1)/2 + n(n−1)/2 + (n−1).
		func(n int) string { return fmt.Sprintf("worst O(n²) ≈ n²−1 = %d", n*(n-1)+(n-1)) },
		// n−1 live nodes challenge everyone above them (the dead leader too).
		func(n int) string {
			live := n - 1
			return fmt.Sprintf("best n−2 = %d, worst O(n²) = %d", n-2, n*(n-1)/2+live*(live-1)/2+(n-1))
		},
		`no votes to collect: the highest live id just announces Victory. From a clean start every
node challenges all higher ones at once — the worst case, O(n²). After a crash every
follower notices at the same moment, so again the worst case; the best case, n−2, needs
the second-highest node to notice first.`)
	zabClaims = Claims(
		func(n int) string { return fmt.Sprintf("n(n−1) = %d per round", n*(n-1)) },
		func(n int) string { return fmt.Sprintf("n(n−1) = %d per round", n*(n-1)) },
		`every change of vote is broadcast: n(n−1) notifications per round, and a node changes its
vote as better votes arrive, so an election costs a few rounds' worth — the textbook's
"broadcast storm" — plus a discovery phase (FollowerInfo, NewEpoch, AckEpoch). It needs
no randomized wait, so from a clean start it is quicker than Raft; after a crash both
wait for their failure detector.`)
)
