// Package election holds two leader-election algorithms for the election
// lab: Bully (the highest live id wins, by Election / Alive / Victory
// messages) and ZAB's fast leader election (votes (epoch, zxid, id)
// broadcast until a quorum agrees; the freshest data wins). Raft's election
// lives in package raft.
//
// Both follow the election mark contract of package
// distlab/checkers/election: "election", "vote", "leader" and "stepdown"
// marks, and "role", "term" and "leader" visible state, so one set of
// checkers serves every election algorithm.
//
//	sim := simnet.New(simnet.Config{Seed: 1})
//	sim.AddNodes("n", 5, contract.ServerGroup, election.NewBully(election.DefaultBully()))
//	sim.Run(3 * time.Second)
package election
