package main

import (
	"time"

	"distlab/checkers/check"
	"distlab/checkers/linearizability"
)

func init() {
	historyChecker = func(path, format string, timeout time.Duration, artifacts string) (check.Result, error) {
		return linearizability.CheckFile(path, format, &linearizability.Options{Timeout: timeout, Dir: artifacts})
	}
	historyHelp = "\n" + linearizability.FormatHelp
}
