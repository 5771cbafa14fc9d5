package checkers

import "distlab/checkers/causality"

func init() { families = append(families, causality.Specs()) }
