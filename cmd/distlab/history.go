package main

import (
	"time"

	"distlab/checkers/check"
	"distlab/checkers/linearizability"
)

func init() {
	historyChecker = func(path string, timeout time.Duration, artifacts string) (check.Result, error) {
		return linearizability.CheckFile(path, &linearizability.Options{Timeout: timeout, Dir: artifacts})
	}
}
