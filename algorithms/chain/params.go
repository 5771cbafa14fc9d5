package chain

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"distlab/algorithms/algo"
	cc "distlab/contract/chain"
	"distlab/contract/chain/blockhash"
)

// Common are the parameters every chain protocol takes.
type Common struct {
	// Balance is every account's genesis balance (clients and servers);
	// Balances overrides it per account.
	Balance  int64            `yaml:"balance"`
	Balances map[string]int64 `yaml:"balances"`
	// MaxTxs caps the transactions in one block (the block size).
	MaxTxs int `yaml:"max_txs"`
	// Adversary makes one server an attacker (nil: everyone is honest).
	Adversary *Adversary `yaml:"adversary"`
}

// Adversary is one attacking server and its plan.
type Adversary struct {
	Node string `yaml:"node"`
	// Role: double-spend, selfish (PoW), equivocate (PoS), forge (PoW).
	Role string `yaml:"role"`
	// At is when a double spend (or the first equivocation) starts.
	At time.Duration `yaml:"at"`
	// Z is how many confirmations the merchant waits (double-spend).
	Z int `yaml:"z"`
	// GiveUp abandons a double spend once the public chain is this many
	// blocks ahead of the private one.
	GiveUp int `yaml:"give_up"`
	// Merchant is the account paid (and then robbed); Amount the price.
	Merchant string `yaml:"merchant"`
	Amount   int64  `yaml:"amount"`
	// Every is how often a forger sends an invalid block.
	Every time.Duration `yaml:"every"`
}

// PoWParams configure proof of work.
type PoWParams struct {
	Common `yaml:",inline"`
	// K is the puzzle's difficulty: the hash must start with K zero units.
	K int `yaml:"k"`
	// Unit is hex (the default: a hex digit, 16^k tries per block) or bits
	// (2^k tries).
	Unit string `yaml:"unit"`
	// Interval is the expected time between blocks at difficulty K; it
	// sets the network's hash rate (unit^K tries per Interval) unless
	// Hashrate does, and it is what retargeting aims at.
	Interval time.Duration `yaml:"interval"`
	// Hashrate is the whole network's tries per second (0: from Interval).
	Hashrate float64 `yaml:"hashrate"`
	// Shares are the miners' shares of the hash rate (default: equal). They
	// must sum to at most 1; what is missing is hash power outside the
	// simulation.
	Shares map[string]float64 `yaml:"shares"`
	// RealHash makes miners run the SHA-256 nonce loop instead of drawing
	// block times (keep K small: every try is a real hash).
	RealHash bool `yaml:"realhash"`
	// Tick is how often a real-hash miner runs a batch of tries (default
	// Interval/50): its share of the hash rate over one tick.
	Tick time.Duration `yaml:"tick"`
	// Retarget adjusts the difficulty every this many blocks toward
	// Interval, as Bitcoin does every 2016 (0: never).
	Retarget int `yaml:"retarget"`
}

// PoSParams configure proof of stake.
type PoSParams struct {
	Common `yaml:",inline"`
	// Rule picks each slot's producer: max (the course's: the largest coin
	// age) or lottery (drawn from the parent's hash, weighted by coin age).
	Rule string `yaml:"rule"`
	// Slot is the time between block slots; Day is how much virtual time
	// counts as one day of coin age.
	Slot time.Duration `yaml:"slot"`
	Day  time.Duration `yaml:"day"`
	// Stakes are the validators' bonded coins (default Stake each), and
	// AgeDays how many days they have held them at the start.
	Stake   float64            `yaml:"stake"`
	Stakes  map[string]float64 `yaml:"stakes"`
	AgeDays map[string]float64 `yaml:"age_days"`
	// Interest is the yearly rate paid on consumed coin age (the course's
	// 5 %: 5000 coin-days earn 0.68 coins).
	Interest float64 `yaml:"interest"`
	// KeepAge leaves a winner's coin age in place (false: winning a block
	// consumes it, as in Peercoin and the course's example).
	KeepAge bool `yaml:"keep_age"`
	// Slashing burns the stake of a validator caught signing two blocks
	// for one slot (the evidence travels in a later block).
	Slashing bool `yaml:"slashing"`
}

// DPoSParams configure delegated proof of stake.
type DPoSParams struct {
	Common `yaml:",inline"`
	// Delegates is K, the number of elected producers (EOS: 21; the course
	// says 101).
	Delegates int `yaml:"delegates"`
	// PerTurn is m, the blocks a delegate makes in a row (EOS: 12).
	PerTurn int `yaml:"per_turn"`
	// Slot is the time per block (EOS: 500ms).
	Slot time.Duration `yaml:"slot"`
	// Maintenance is how many rounds pass between elections.
	Maintenance int `yaml:"maintenance"`
	// Turnout is the chance a voter votes again at each election.
	Turnout float64 `yaml:"turnout"`
}

// Workload is what the clients do.
type Workload struct {
	// Clients is the number of clients (c0, c1, …).
	Clients int `yaml:"clients"`
	// Every is a client's mean time between transactions (0: none).
	Every time.Duration `yaml:"every"`
	// Amount is the largest amount a transfer moves.
	Amount int64 `yaml:"amount"`
	// Stop ends the transactions (0: they go on to the end).
	Stop time.Duration `yaml:"stop"`
}

// DefaultWorkload: three clients, one transaction each per second.
func DefaultWorkload() *Workload {
	return &Workload{Clients: 3, Every: time.Second, Amount: 10}
}

func defaultCommon() Common { return Common{Balance: 1000, MaxTxs: 100} }

// DefaultPoW: difficulty 4 hex digits, a block a second, virtual mining.
func DefaultPoW() *PoWParams {
	return &PoWParams{Common: defaultCommon(), K: 4, Unit: string(blockhash.Hex), Interval: time.Second}
}

// DefaultPoS: the course's rule (largest coin age), one-second slots and
// days, 5 % a year.
func DefaultPoS() *PoSParams {
	return &PoSParams{Common: defaultCommon(), Rule: RuleMax, Slot: time.Second, Day: time.Second, Stake: 1000, Interest: 0.05}
}

// DefaultDPoS: 21 delegates, one block each per turn, half-second slots,
// an election every round, full turnout.
func DefaultDPoS() *DPoSParams {
	return &DPoSParams{Common: defaultCommon(), Delegates: 21, PerTurn: 1, Slot: 500 * time.Millisecond, Maintenance: 1, Turnout: 1}
}

// PoS slot rules.
const (
	RuleMax     = "max"
	RuleLottery = "lottery"
)

// config is what every node of one run shares, resolved from the
// parameters.
type config struct {
	protocol string
	servers  []string
	clients  []string
	weights  map[string]float64 // hash shares (PoW), stakes (PoS), 1 (DPoS)
	roles    map[string]string
	adv      Adversary
	balances map[string]int64
	maxTxs   int
	work     Workload

	// PoW
	unit     blockhash.Unit
	bits     uint32 // genesis target
	target   *big.Int
	hashrate float64
	interval time.Duration
	realhash bool
	tick     time.Duration
	retarget int

	// PoS
	pos PoSParams

	// DPoS
	k, m        int
	slot        time.Duration
	maintenance int
	turnout     float64

	genesis *cc.Block
}

// minPeriod is the shortest block interval, slot or sending period: a
// run must not drown in events.
const minPeriod = time.Millisecond

// Limits on k: virtual mining takes any difficulty; real hashing pays for
// every try.
const (
	maxHexK      = 60
	maxRealHexK  = 5
	maxBitsK     = 240
	maxRealBitsK = 20
)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func newConfig(protocol string, servers int, c *Common, w *Workload) (*config, error) {
	cfg := &config{protocol: protocol, servers: names("n", servers), roles: map[string]string{}, maxTxs: c.MaxTxs}
	if w == nil {
		w = &Workload{}
	}
	if w.Clients < 0 || w.Clients > 1000 {
		return nil, &algo.FieldError{Field: "workload.clients", Err: fmt.Errorf("%d clients: between 0 and 1000", w.Clients)}
	}
	if w.Every < 0 || w.Amount < 0 || w.Stop < 0 {
		return nil, &algo.FieldError{Field: "workload.every", Err: fmt.Errorf("every, amount and stop must not be negative")}
	}
	if w.Every > 0 && w.Every < minPeriod {
		return nil, &algo.FieldError{Field: "workload.every", Err: fmt.Errorf("every is at least %v (or 0: no transactions)", minPeriod)}
	}
	cfg.work = *w
	if cfg.work.Amount == 0 {
		cfg.work.Amount = 10
	}
	cfg.clients = names("c", w.Clients)
	if c.MaxTxs <= 0 {
		return nil, fieldErr("max_txs", "max_txs must be positive (the transactions a block holds), got %d", c.MaxTxs)
	}
	if c.Balance < 0 {
		return nil, fieldErr("balance", "balance must not be negative")
	}
	cfg.balances = map[string]int64{}
	for _, a := range slices.Concat(cfg.servers, cfg.clients) {
		cfg.balances[a] = c.Balance
	}
	for _, a := range sortedKeys(c.Balances) {
		if c.Balances[a] < 0 {
			return nil, fieldErr("balances."+a, "a balance must not be negative")
		}
		cfg.balances[a] = c.Balances[a]
	}
	for _, s := range cfg.servers {
		cfg.roles[s] = cc.Honest
	}
	if a := c.Adversary; a != nil {
		if !slices.Contains(cfg.servers, a.Node) {
			return nil, fieldErr("adversary.node", "unknown node %q: the adversary must be a server (valid: %s)", a.Node, validNames(cfg.servers))
		}
		allowed := map[string][]string{cc.PoW: {cc.DoubleSpend, cc.Selfish, cc.Forge}, cc.PoS: {cc.Equivocate}, cc.DPoS: {}}[protocol]
		if !slices.Contains(allowed, a.Role) {
			if len(allowed) == 0 {
				return nil, fieldErr("adversary.role", "%s has no adversary roles", protocol)
			}
			return nil, fieldErr("adversary.role", "unknown role %q for %s (valid: %s)", a.Role, protocol, strings.Join(allowed, ", "))
		}
		cfg.adv = *a
		cfg.roles[a.Node] = a.Role
		if a.Merchant == "" {
			cfg.adv.Merchant = "merchant"
		}
		if a.Amount <= 0 {
			cfg.adv.Amount = 100
		}
		switch a.Role {
		case cc.DoubleSpend:
			if a.Z < 1 || a.Z > 1000 {
				return nil, fieldErr("adversary.z", "z is the confirmations the merchant waits: 1 … 1000, got %d", a.Z)
			}
			if cfg.adv.GiveUp == 0 {
				cfg.adv.GiveUp = a.Z + 12
			}
			if cfg.adv.GiveUp <= a.Z {
				return nil, fieldErr("adversary.give_up", "give_up (%d) must exceed z (%d)", a.GiveUp, a.Z)
			}
		case cc.Forge:
			if cfg.adv.Every == 0 {
				cfg.adv.Every = 2 * time.Second
			}
			if cfg.adv.Every < minPeriod {
				return nil, fieldErr("adversary.every", "every is at least %v", minPeriod)
			}
		}
	}
	return cfg, nil
}

// fieldErr is a parameter error located at its field: the scenario
// reports it at params.<path>'s line.
func fieldErr(path, format string, args ...any) error {
	return &algo.FieldError{Field: "params." + path, Err: fmt.Errorf(format, args...)}
}

func validNames(ns []string) string {
	if len(ns) > 6 {
		return strings.Join(ns[:3], ", ") + ", …, " + ns[len(ns)-1]
	}
	return strings.Join(ns, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareNames)
	return keys
}

// compareNames orders node names by prefix, then number (n2 before n10).
func compareNames(a, b string) int {
	pa, na := splitName(a)
	pb, nb := splitName(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func splitName(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return s, -1
	}
	return s[:i], n
}

// shares resolves the miners' hash shares: those given, and the rest of 1
// split equally among the others.
func shares(servers []string, given map[string]float64) (map[string]float64, error) {
	out := map[string]float64{}
	sum := 0.0
	for _, name := range sortedKeys(given) {
		v := given[name]
		if !slices.Contains(servers, name) {
			return nil, fieldErr("shares."+name, "unknown node %q (valid: %s)", name, validNames(servers))
		}
		if v < 0 || v > 1 || math.IsNaN(v) {
			return nil, fieldErr("shares."+name, "a hash share is between 0 and 1, got %v", v)
		}
		out[name] = v
		sum += v
	}
	if sum > 1+1e-9 {
		return nil, fieldErr("shares", "the hash shares sum to %.4g: they must sum to at most 1 (the whole network's hash rate)", sum)
	}
	var rest []string
	for _, s := range servers {
		if _, ok := out[s]; !ok {
			rest = append(rest, s)
		}
	}
	for _, s := range rest {
		out[s] = (1 - sum) / float64(len(rest))
	}
	return out, nil
}

func powConfig(servers int, p *PoWParams, w *Workload) (*config, error) {
	cfg, err := newConfig(cc.PoW, servers, &p.Common, w)
	if err != nil {
		return nil, err
	}
	cfg.unit = blockhash.Unit(p.Unit)
	if cfg.unit != blockhash.Hex && cfg.unit != blockhash.Bits {
		return nil, fieldErr("unit", "unknown unit %q (valid: hex, bits)", p.Unit)
	}
	lo, hi := 1, maxHexK
	switch {
	case cfg.unit == blockhash.Hex && p.RealHash:
		hi = maxRealHexK
	case cfg.unit == blockhash.Bits && p.RealHash:
		hi = maxRealBitsK
	case cfg.unit == blockhash.Bits:
		hi = maxBitsK
	}
	if p.K < lo || p.K > hi {
		why := ""
		if p.RealHash {
			why = " with realhash (every try is a real SHA-256; use virtual mining for more)"
		}
		return nil, fieldErr("k", "k = %d is outside %d … %d%s", p.K, lo, hi, why)
	}
	if p.Interval < minPeriod {
		return nil, fieldErr("interval", "interval is at least %v", minPeriod)
	}
	if p.Hashrate < 0 || p.Retarget < 0 || p.Tick < 0 {
		return nil, fieldErr("hashrate", "hashrate, retarget and tick must not be negative")
	}
	if cfg.weights, err = shares(cfg.servers, p.Shares); err != nil {
		return nil, err
	}
	cfg.target = blockhash.TargetForZeros(p.K, cfg.unit)
	cfg.bits = blockhash.TargetToCompact(cfg.target)
	cfg.interval, cfg.realhash, cfg.retarget = p.Interval, p.RealHash, p.Retarget
	cfg.hashrate = p.Hashrate
	if cfg.hashrate == 0 {
		cfg.hashrate = blockhash.ExpectedTries(cfg.target) / p.Interval.Seconds()
	}
	cfg.tick = p.Tick
	if cfg.tick == 0 {
		cfg.tick = max(p.Interval/50, time.Microsecond)
	}
	if cfg.adv.Role == cc.Selfish && p.Retarget > 0 {
		return nil, fieldErr("retarget", "selfish mining compares chain lengths: run it with a fixed difficulty (retarget: 0)")
	}
	return cfg, nil
}

func posConfig(servers int, p *PoSParams, w *Workload) (*config, error) {
	cfg, err := newConfig(cc.PoS, servers, &p.Common, w)
	if err != nil {
		return nil, err
	}
	if p.Rule != RuleMax && p.Rule != RuleLottery {
		return nil, fieldErr("rule", "unknown rule %q (valid: max, lottery)", p.Rule)
	}
	if p.Slot < minPeriod || p.Day <= 0 {
		return nil, fieldErr("slot", "slot is at least %v and day positive", minPeriod)
	}
	if p.Interest < 0 || p.Interest > 10 {
		return nil, fieldErr("interest", "interest is a yearly rate between 0 and 10, got %v", p.Interest)
	}
	cfg.weights = map[string]float64{}
	for _, s := range cfg.servers {
		cfg.weights[s] = p.Stake
	}
	for _, name := range sortedKeys(p.Stakes) {
		if !slices.Contains(cfg.servers, name) {
			return nil, fieldErr("stakes."+name, "unknown node %q (valid: %s)", name, validNames(cfg.servers))
		}
		if p.Stakes[name] < 0 {
			return nil, fieldErr("stakes."+name, "a stake must not be negative")
		}
		cfg.weights[name] = p.Stakes[name]
	}
	for _, name := range sortedKeys(p.AgeDays) {
		if !slices.Contains(cfg.servers, name) {
			return nil, fieldErr("age_days."+name, "unknown node %q (valid: %s)", name, validNames(cfg.servers))
		}
		if p.AgeDays[name] < 0 {
			return nil, fieldErr("age_days."+name, "an age must not be negative")
		}
	}
	total := 0.0
	for _, v := range cfg.weights {
		total += v
	}
	if total <= 0 {
		return nil, fieldErr("stakes", "no validator has any stake: nobody could produce a block")
	}
	cfg.pos = *p
	cfg.slot = p.Slot
	return cfg, nil
}

func dposConfig(servers int, p *DPoSParams, w *Workload) (*config, error) {
	cfg, err := newConfig(cc.DPoS, servers, &p.Common, w)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Delegates < 1:
		return nil, fieldErr("delegates", "delegates must be at least 1, got %d", p.Delegates)
	case p.Delegates > servers:
		// nodes is always written, delegates maybe not (the default 21)
		return nil, &algo.FieldError{Field: "nodes", Err: fmt.Errorf("%d delegates (params.delegates) need at least %d servers, and nodes is %d", p.Delegates, p.Delegates, servers)}
	case p.PerTurn < 1:
		return nil, fieldErr("per_turn", "per_turn must be at least 1")
	case p.Slot < minPeriod:
		return nil, fieldErr("slot", "slot is at least %v", minPeriod)
	case p.Maintenance < 1:
		return nil, fieldErr("maintenance", "maintenance is a number of rounds, at least 1")
	case p.Turnout < 0 || p.Turnout > 1:
		return nil, fieldErr("turnout", "turnout is a probability, got %v", p.Turnout)
	}
	cfg.weights = map[string]float64{}
	for _, s := range cfg.servers {
		cfg.weights[s] = 1
	}
	cfg.k, cfg.m, cfg.slot, cfg.maintenance, cfg.turnout = p.Delegates, p.PerTurn, p.Slot, p.Maintenance, p.Turnout
	return cfg, nil
}
