package checkers

import "distlab/checkers/basic"

func init() { families = append(families, basic.Specs()) }
