package commit

import (
	"fmt"

	"distlab/algorithms/algo"
)

// The comparison's situations. n is the number of participants; the
// coordinator is a separate node. Messages are counted between servers
// (participants and coordinator) for one transaction, the seed's
// acknowledgements (HaveCommitted, 3PC's ACK) included, the client's
// request and answer not; retransmissions count. Message delays are the
// longest chain of messages of the transaction, from the coordinator's
// first CanCommit to its decision (and to the last participant's). Forced
// log writes are the records that must be on disk before the next message
// leaves. d is the mean one-way latency (uniform 1–10 ms: 5.5 ms).
const (
	noFaults = `duration: 4s
workload: {clients: 1, random: 40, transfer: 0, read: 0, order: 0, batch: 1, amount_max: 40, think: 10ms}
checks: [commit-cost, commit-termination]
`
	coordinatorCrash = `duration: 9s
workload: {clients: 2, random: 400, transfer: 0, read: 0, order: 0, batch: 1, amount_max: 5, think: 0s}
faults:
  - {at: 1s, crash: "@coordinator"}
  - {at: 6s, restart: tm}
checks: [atomic-commit, commit-termination]
`
	crashNemesis = `duration: 8s
params: {send_gap: 2ms}
network: {drop: 0.02}
workload: {clients: 2, random: 100, transfer: 0, read: 0, order: 0, batch: 1, amount_max: 5, think: 10ms}
nemesis: {start: 200ms, end: 5s, interval: 150ms, crash: 1, restart: 300ms}
checks: [atomic-commit, commit-termination]
`
	partitionNemesis = `duration: 8s
params: {send_gap: 2ms}
workload: {clients: 2, random: 100, transfer: 0, read: 0, order: 0, batch: 1, amount_max: 5, think: 10ms}
nemesis: {start: 200ms, end: 5s, interval: 150ms, partition: 1, heal: 1}
checks: [atomic-commit, commit-termination]
`
)

// Situation names.
const (
	sitNoFaults   = "no faults"
	sitCrash      = "coordinator crash"
	sitCrashes    = "crashes"
	sitPartitions = "partitions"
)

// protocol is what the textbook says about one commit protocol.
type protocol struct {
	perCommit, perAbort    func(n int) string
	delays, delaysAll      string
	forced                 func(n int) string
	lock                   string
	blocked                string
	crashAgree, splitAgree string
	reading                string
}

func atomicClaims(p protocol) []algo.Claim {
	sizes := []int{2, 3, 5}
	fixed := func(s string) func(int) string { return func(int) string { return s } }
	return []algo.Claim{
		{Situation: sitNoFaults, Sizes: sizes, Seeds: 2, Scenario: noFaults, Reading: p.reading,
			Note: "one client; every transaction spans every participant (one account pays an account at each of the others) and aborts when the payer is short (a No vote). " +
				"Counted: messages between the servers for one transaction, the seed's acknowledgements (HaveCommitted, ACK) included, the client's request and answer not, retransmissions included; " +
				"delays: the longest chain of the transaction's messages from the coordinator's first CanCommit to its decision (delays all: to the last participant's); " +
				"forced: log records that must be on disk before the next message leaves; lock: from a participant's Yes to its decision; d = mean one-way latency, 5.5 ms",
			Figures: []algo.Figure{
				{Label: "msgs/commit", Check: "commit-cost", Metric: "per_commit", Textbook: p.perCommit},
				{Label: "msgs/abort", Check: "commit-cost", Metric: "per_abort", Textbook: p.perAbort},
				{Label: "delays", Check: "commit-cost", Metric: "delays_to_decision", Textbook: fixed(p.delays)},
				{Label: "delays all", Check: "commit-cost", Metric: "delays_to_all", Textbook: fixed(p.delaysAll)},
				{Label: "forced/commit", Check: "commit-cost", Metric: "forced_per_commit", Textbook: p.forced},
				{Label: "lock p50 ms", Check: "commit-termination", Metric: "lock_hold_p50_ms", Textbook: fixed(p.lock)},
				{Label: "by type", Check: "commit-cost", Metric: "per_commit/*"},
			}},
		{Situation: sitCrash, Sizes: sizes, Seeds: 4, Scenario: coordinatorCrash,
			Note: "two clients keep the coordinator busy; it crashes at 1 s and restarts at 6 s. blocked: the longest a transaction stayed undecided at a participant that voted Yes (ms); agreement: the share of runs where nobody disagreed",
			Figures: []algo.Figure{
				{Label: "blocked ms", Check: "commit-termination", Metric: "uncertain_max_ms", Textbook: fixed(p.blocked)},
				{Label: "agreement", Check: "atomic-commit", Metric: "agreement", Textbook: fixed(p.crashAgree)},
			}},
		{Situation: sitCrashes, Sizes: sizes, Seeds: 10, Scenario: crashNemesis,
			Note: "nodes (the coordinator too) crash and restart every ~150 ms for 5 s, 2% of messages lost, broadcasts sent 2 ms apart; agreement: the share of runs where nobody disagreed",
			Figures: []algo.Figure{
				{Label: "agreement", Check: "atomic-commit", Metric: "agreement", Textbook: fixed(p.crashAgree)},
				{Label: "blocked ms", Check: "commit-termination", Metric: "uncertain_max_ms"},
			}},
		{Situation: sitPartitions, Sizes: sizes, Seeds: 10, Scenario: partitionNemesis,
			Note: "the network splits and heals every ~150 ms for 5 s, nobody crashes; agreement: the share of runs where nobody disagreed",
			Figures: []algo.Figure{
				{Label: "agreement", Check: "atomic-commit", Metric: "agreement", Textbook: fixed(p.splitAgree)},
				{Label: "blocked ms", Check: "commit-termination", Metric: "uncertain_max_ms"},
			}},
	}
}

var (
	twoPCClaims = atomicClaims(protocol{
		perCommit: func(n int) string { return fmt.Sprintf("4n = %d", 4*n) },
		perAbort:  func(n int) string { return fmt.Sprintf("4n = %d", 4*n) },
		delays:    "2", delaysAll: "3",
		forced:     func(n int) string { return fmt.Sprintf("2n+1 = %d", 2*n+1) },
		lock:       "≥ 2d = 11",
		blocked:    "the outage, ≈ 5000",
		crashAgree: "1 (always)", splitAgree: "1 (always)",
		reading: `2PC: CanCommit, Yes, DoCommit, HaveCommitted to and from each participant: 4n, in 2
delays to the coordinator's decision (3 to the participants'). A participant holds its locks
from its Yes to the decision (2 delays at least, more while the slowest vote comes in), and
while the coordinator is down it holds them for the whole outage: blocked, never wrong.`,
	})
	threePhase = protocol{
		perCommit: func(n int) string { return fmt.Sprintf("6n = %d", 6*n) },
		perAbort:  func(n int) string { return fmt.Sprintf("4n = %d", 4*n) },
		delays:    "4", delaysAll: "5",
		forced: func(n int) string { return fmt.Sprintf("3n+2 = %d", 3*n+2) },
		lock:   "≥ 4d = 22",
	}
	threePCClaims = func() []algo.Claim {
		p := threePhase
		p.blocked = "≈ timeout = 300"
		p.crashAgree, p.splitAgree = "< 1: one crash mid-PreCommit", "< 1"
		p.reading = `the seed's 3PC: PreCommit and its ACK add 2n messages and 2 delays to every commit, and
the participants' timeouts end the blocking, by guessing: a participant that saw PreCommit
commits, one that did not aborts; a coordinator that dies between the two disagrees with itself.`
		return atomicClaims(p)
	}()
	skeenClaims = func() []algo.Claim {
		p := threePhase
		p.blocked = "timeout to timeout + a round: 300–600"
		p.crashAgree, p.splitAgree = "1 (site failures only)", "< 1: no protocol is non-blocking under partitions"
		p.reading = `Skeen's 3PC costs what the seed's does when nothing fails; when the coordinator dies the
participants ask each other and decide within a timeout and a round, and agree, as long as a
silent node really is down. A partition makes a live node look down: each side decides alone.`
		return atomicClaims(p)
	}()
)

// mqClaims: the message-queue method's cost and inconsistency window.
var mqClaims = []algo.Claim{{
	Situation: "message queue", Sizes: []int{2, 3, 5}, Seeds: 2,
	Note: "k services in a chain (nodes: k), two clients placing 20 orders, no faults; window: from the order service's local commit to the last service's",
	Scenario: `duration: 4s
checks: [eventual-consistency, effectively-once]
`,
	Figures: []algo.Figure{
		{Label: "msgs/order", Check: "eventual-consistency", Metric: "per_order",
			Textbook: func(k int) string { return fmt.Sprintf("5(k−1) = %d", 5*(k-1)) }},
		{Label: "window p50 ms", Check: "eventual-consistency", Metric: "window_p50_ms",
			Textbook: func(k int) string {
				return fmt.Sprintf("(4k−6)d + (k−1)·2ms ≈ %.0f", float64(4*k-6)*5.5+float64(k-1)*2)
			}},
		{Label: "by type", Check: "eventual-consistency", Metric: "per_order/*"},
	},
	Reading: `mq: per hop a half message, its acknowledgement, the confirm, the delivery and its
acknowledgement (5 messages); no locks, no blocking: the services are inconsistent for the
window instead, and a failure stretches the window rather than stopping the others.`,
}}
