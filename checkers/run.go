package checkers

import (
	"context"
	"fmt"
	"time"

	"distlab/checkers/check"
	"distlab/simnet/trace"
)

// RunConfig bounds one check.
type RunConfig struct {
	// Timeout bounds the check; past it the verdict is unknown. Zero means
	// one minute.
	Timeout time.Duration
	// ArtifactDir is where the check may write files ("" for none).
	ArtifactDir string
}

// Run runs one check over a trace the one way every caller runs checks
// (`distlab run`, `distlab check`, the visualizer, the labs):
//
//   - no evidence, no pass: a check that reads a family contract gets
//     unknown, without running, when the trace holds none of that
//     contract's marks, client operations or messages;
//   - bounded: past the timeout the verdict is unknown, and a checker that
//     ignores its deadline is abandoned shortly after it;
//   - a checker that panics is reported unknown with the panic;
//   - a checker that overran its deadline cannot claim a pass.
func Run(spec check.Spec, tr *trace.Trace, opts any, cfg RunConfig) check.Result {
	if spec.Contract != nil && !spec.Contract.HasEvidence(tr) {
		return check.Unknowable(spec.Name, fmt.Sprintf("no evidence: the trace holds none of %s, so there is nothing to check", spec.Contract.Sought()))
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if cfg.ArtifactDir != "" {
		ctx = check.WithArtifactDir(ctx, cfg.ArtifactDir)
	}
	done := make(chan check.Result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- check.Unknowable(spec.Name, fmt.Sprintf("checker panicked: %v", r))
			}
		}()
		done <- spec.Run(ctx, tr, opts)
	}()
	var res check.Result
	select {
	case res = <-done:
	case <-time.After(timeout + timeout/10 + 100*time.Millisecond):
		return check.Unknowable(spec.Name, fmt.Sprintf("checker did not finish within its %v bound (abandoned)", timeout))
	}
	res.Name = spec.Name
	if res.Verdict == check.Pass && ctx.Err() != nil {
		res.Verdict, res.Detail = check.Unknown, fmt.Sprintf("ran past its %v bound: %s", timeout, res.Detail)
	}
	return res
}
