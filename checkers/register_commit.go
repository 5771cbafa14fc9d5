package checkers

import "distlab/checkers/commit"

func init() { families = append(families, commit.Specs()) }
