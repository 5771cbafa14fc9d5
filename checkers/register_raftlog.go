package checkers

import "distlab/checkers/raftlog"

func init() { families = append(families, raftlog.Specs()) }
