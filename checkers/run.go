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
	// Session, when it watched the check during the run, has judged the
	// run as it was recorded: Run finishes that check instead of reading
	// the trace.
	Session *Session
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
//
// A check that cfg.Session watched is finished rather than run over the
// trace; its evidence was counted, and its time spent observing counts
// against its bound.
func Run(spec check.Spec, tr *trace.Trace, opts any, cfg RunConfig) check.Result {
	w := cfg.Session.take(spec.Name)
	if w != nil && w.err != "" {
		return check.Unknowable(spec.Name, w.err)
	}
	if spec.Contract != nil {
		var evidence bool
		if w != nil {
			evidence = w.evidence > 0
		} else {
			evidence = spec.Contract.HasEvidence(tr)
		}
		if !evidence {
			return check.Unknowable(spec.Name, fmt.Sprintf("no evidence: the trace holds none of %s, so there is nothing to check", spec.Contract.Sought()))
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	run := func(ctx context.Context) check.Result { return spec.Run(ctx, tr, opts) }
	if w != nil {
		if w.spent >= timeout {
			return check.Unknowable(spec.Name, fmt.Sprintf("observing the run took %v, past its %v bound", w.spent.Round(time.Millisecond), timeout))
		}
		timeout -= w.spent
		run = w.obs.Finish
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
		done <- run(ctx)
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
