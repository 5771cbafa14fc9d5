package scenarios

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"distlab/simnet"
)

// ExploreOptions say which seeds to try.
type ExploreOptions struct {
	From  int64 // first seed
	Seeds int   // how many, at least 1
	// Shard and Shards split the seeds among machines: shard i of n
	// (1 ≤ i ≤ n) takes the seeds From+i-1, From+i-1+n, … Zero Shards
	// means one shard.
	Shard, Shards int
	Workers       int // 0: one per core
	// Progress, when set, is called after every run (from several
	// goroutines, one call at a time).
	Progress func(done, failed int)
	Run      RunOptions
}

// ShardSeeds lists the seeds a shard runs.
func (opts ExploreOptions) ShardSeeds() ([]int64, error) {
	if opts.Seeds < 1 {
		return nil, fmt.Errorf("the number of seeds must be at least 1 (got %d)", opts.Seeds)
	}
	shard, shards := opts.Shard, opts.Shards
	if shards == 0 {
		shard, shards = 1, 1
	}
	if shards < 1 || shard < 1 || shard > shards {
		return nil, fmt.Errorf("shard %d/%d: shards are numbered 1 to %d", shard, shards, max(shards, 1))
	}
	var seeds []int64
	for i := shard - 1; i < opts.Seeds; i += shards {
		seeds = append(seeds, opts.From+int64(i))
	}
	return seeds, nil
}

// Explore runs the scenario over many seeds in parallel and returns the
// seeds whose expectation was not met, in order, and the result of the
// lowest one.
func (sc *Scenario) Explore(opts ExploreOptions) ([]int64, *Result, error) {
	seeds, err := opts.ShardSeeds()
	if err != nil {
		return nil, nil, err
	}
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
	var g errgroup.Group
	for range workers {
		g.Go(func() error {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(seeds)) {
					return nil
				}
				seed := seeds[i]
				res, err := sc.exploreSeed(opts.Run, seed)
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

// exploreSeed runs one seed of an exploration. The run records only what
// its checks read (RunOptions.Thin); a failing seed is run again in full,
// for a report with every event. The two runs are the same run, so they
// must agree: a seed that fails thin and passes in full means a check
// reads events it does not declare (check.KindFilter, check.MessageFilter),
// a bug of distlab.
func (sc *Scenario) exploreSeed(ro RunOptions, seed int64) (*Result, error) {
	ro.Seed = &seed
	thin := ro
	thin.Thin = true
	res, err := sc.Run(thin)
	if err != nil {
		return nil, err
	}
	if res.ExpectationMet {
		res.Trace.Release() // judged and thrown away: its chunks serve the next seed
		return res, nil
	}
	if !res.Thin {
		return res, nil
	}
	full, err := sc.Run(ro)
	if err != nil {
		return nil, err
	}
	if full.ExpectationMet {
		return nil, fmt.Errorf("seed %d: judged on the events its checks read, the run failed (%s); judged on its whole trace, it passed — a check reads events it does not declare (kinds or messages: a bug of distlab)", seed, res.Why)
	}
	res.Trace.Release()
	return full, nil
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
