// Package chain holds the chain family's scenario files and the
// Monte-Carlo tables that run them over thousands of seeds beside the
// textbook's formulas (algorithms/chain/theory):
//
//	go test ./scenarios/chain -run Table -v                      # quick tables
//	DISTLAB_MC_SEEDS=2000 go test ./scenarios/chain -run DoubleSpend -v
//
// Each table prints its seed count and the standard error of every
// measured figure.
package chain
