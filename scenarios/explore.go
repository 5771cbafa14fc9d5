package scenarios

import (
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"distlab/simnet"
)

// ExploreOptions say which seeds to try.
type ExploreOptions struct {
	From    int64 // first seed
	Seeds   int   // how many
	Workers int   // 0: one per core
	// Progress, when set, is called after every run (from several
	// goroutines, one call at a time).
	Progress func(done, failed int)
	Run      RunOptions
}

// Explore runs the scenario over many seeds in parallel and returns the
// seeds whose expectation was not met, in order, and the result of the
// lowest one.
func (sc *Scenario) Explore(opts ExploreOptions) ([]int64, *Result, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		next    atomic.Int64
		mu      sync.Mutex
		failing []int64
		first   *Result
		done    int
	)
	next.Store(opts.From - 1)
	var g errgroup.Group
	for range workers {
		g.Go(func() error {
			for {
				seed := next.Add(1)
				if seed >= opts.From+int64(opts.Seeds) {
					return nil
				}
				ro := opts.Run
				ro.Seed = &seed
				res, err := sc.Run(ro)
				if err != nil {
					return err
				}
				mu.Lock()
				done++
				if !res.ExpectationMet {
					failing = append(failing, seed)
					if first == nil || seed < first.Seed {
						first = res
					}
				}
				if opts.Progress != nil {
					opts.Progress(done, len(failing))
				}
				mu.Unlock()
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	sortInt64(failing)
	return failing, first, nil
}

func sortInt64(s []int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// WithFaults returns a copy of the scenario whose faults are exactly the
// given ones (no nemesis): the form a replay file takes.
func (sc *Scenario) WithFaults(faults []simnet.Fault, names []string) *Scenario {
	cp := *sc
	cp.Nemesis = nil
	cp.Faults = nil
	name := func(id simnet.NodeID) string { return names[id] }
	for _, f := range faults {
		fs := FaultSpec{At: f.At, Kind: f.Kind, For: f.For, Amnesia: f.Amnesia, Msg: f.Msg}
		switch f.Kind {
		case simnet.FaultPartition:
			for _, g := range f.Groups {
				var group []string
				for _, id := range g {
					group = append(group, name(id))
				}
				fs.Groups = append(fs.Groups, group)
			}
		case simnet.FaultCut:
			fs.From, fs.To = name(f.From), name(f.To)
		case simnet.FaultHeal, simnet.FaultDrop, simnet.FaultDuplicate:
		default:
			fs.Node = f.Target(name)
		}
		cp.Faults = append(cp.Faults, fs)
	}
	return &cp
}

// Shrink looks for a smaller failing run (the expectation still unmet):
// first it removes chunks of faults and then single ones while the failure
// persists, as delta debugging does; then it halves every workload field
// tagged `shrink:"halve"` (the number of operations, events…) while the run
// still fails. It returns the smallest failing scenario, with explicit
// faults, and its result; step reports each attempt.
func (sc *Scenario) Shrink(failed *Result, step func(faults int, stillFails bool)) (*Scenario, *Result, error) {
	seed := failed.Seed
	best, bestSc := failed, failed.ReplayScenario(failed.Faults)
	faults := failed.Faults
	try := func(candidate *Scenario, nFaults int) (*Result, error) {
		res, err := candidate.Run(RunOptions{Seed: &seed, CheckTimeout: 20 * time.Second})
		if err != nil {
			return nil, err
		}
		if step != nil {
			step(nFaults, !res.ExpectationMet)
		}
		if res.ExpectationMet {
			return nil, nil
		}
		return res, nil
	}
	for chunk := len(faults) / 2; chunk >= 1; chunk /= 2 {
		for start := 0; start < len(faults); {
			end := min(start+chunk, len(faults))
			fewer := append(append([]simnet.Fault{}, faults[:start]...), faults[end:]...)
			cand := failed.ReplayScenario(fewer)
			res, err := try(cand, len(fewer))
			if err != nil {
				return nil, nil, err
			}
			if res != nil {
				faults, best, bestSc = fewer, res, cand
				continue // the same start now holds the next chunk
			}
			start = end
		}
	}
	if bestSc.Workload == nil {
		return bestSc, best, nil
	}
	wt := reflect.TypeOf(bestSc.Workload).Elem()
	for i := 0; i < wt.NumField(); i++ {
		f := wt.Field(i)
		if f.Tag.Get("shrink") != "halve" || f.Type.Kind() != reflect.Int {
			continue
		}
		for {
			cur := reflect.ValueOf(bestSc.Workload).Elem().Field(i).Int()
			if cur <= 1 {
				break
			}
			w := reflect.New(wt)
			w.Elem().Set(reflect.ValueOf(bestSc.Workload).Elem())
			w.Elem().Field(i).SetInt(cur / 2)
			cand := *bestSc
			cand.Workload = w.Interface()
			res, err := try(&cand, len(faults))
			if err != nil {
				return nil, nil, err
			}
			if res == nil {
				break
			}
			best, bestSc = res, &cand
		}
	}
	return bestSc, best, nil
}
