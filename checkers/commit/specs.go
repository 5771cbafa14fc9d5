package commit

import (
	"time"

	"distlab/checkers/check"
	cm "distlab/contract/commit"
)

// Specs lists the family's checkers for the registry.
func Specs() []check.Spec {
	return []check.Spec{
		{Name: AtomicCommit, Contract: cm.Contract, Run: runAtomic,
			Summary: "AC1 agreement, AC2 no reversal, AC3 commit only with every Yes vote (from the Vote messages), AC4 no failure + all Yes ⇒ commit"},
		{Name: Termination, Contract: cm.Contract, Run: runTermination,
			Summary: "every participant that voted Yes decides (bound after the last fault; max_uncertain makes blocking a violation); uncertainty, lock-hold and divergence times",
			Options: func() any { return defaultTermination() }},
		{Name: BankInvariant, Contract: cm.Contract, Run: runBank,
			Summary: "every snapshot read of all accounts sums to the initial total, no read sees a negative balance (Jepsen's bank), and every value read is what the committed transactions it reflects make it"},
		{Name: AtomicVisibility, Contract: cm.Contract, Run: runVisibility,
			Summary: "a read never sees half a committed transaction (item versions from the decide marks, writes from the CanCommit messages)"},
		{Name: Cost, Contract: cm.Contract, Run: runCost,
			Summary: "messages per commit and per abort (by type), message delays to the decision, forced log writes; min_committed fails a run without progress",
			Options: func() any { return &CostOptions{} }},
		{Name: EventualConsistent, Contract: cm.MQ, Run: runConsistency,
			Summary: "every order the order service took reaches every service within bound after the faults; the inconsistency window's distribution",
			Options: func() any { return &ConsistencyOptions{Bound: 2 * time.Second} }},
		{Name: EffectivelyOnce, Contract: cm.MQ, Run: runOnce,
			Summary: "no service applies an order twice (no double charge); redeliveries and recognised duplicates"},
	}
}
