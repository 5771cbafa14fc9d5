package checkers

import "distlab/checkers/mutex"

func init() { families = append(families, mutex.Specs()) }
