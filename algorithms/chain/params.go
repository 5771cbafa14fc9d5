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

// Common are the parameters every chain protocol takes. Each protocol's
// params struct repeats them (no embedding), so that each field is
// documented where a scenario writes it.
type Common struct {
	Balance   int64
	Balances  map[string]int64
	MaxTxs    int
	Adversary *Adversary
}

// Adversary is one attacking server and its plan.
type Adversary struct {
	Node     string        `yaml:"node" doc:"the attacking server (n0, n1, …)"`
	Role     string        `yaml:"role" doc:"double-spend (a private chain race after the merchant's z confirmations), selfish (Eyal and Sirer; PoW), equivocate (two blocks for one slot; PoS), forge (invalid blocks; PoW)"`
	At       time.Duration `yaml:"at" doc:"when a double spend starts (equivocate: from when it signs twice)"`
	Z        int           `yaml:"z" doc:"double-spend: the confirmations the merchant waits for (its block and z−1 on top), 1 … 1000"`
	GiveUp   int           `yaml:"give_up" doc:"double-spend: abandon the race when the public chain leads by this many blocks; 0: z + 12"`
	Merchant string        `yaml:"merchant" doc:"the account the attacker pays and then robs; empty: merchant"`
	Amount   int64         `yaml:"amount" doc:"the price paid (and spent twice); 0: 100"`
	Every    time.Duration `yaml:"every" doc:"forge: how often an invalid block is sent; 0: 2s"`
}

// PoWParams configure proof of work.
type PoWParams struct {
	Balance   int64              `yaml:"balance" doc:"every account's genesis balance (clients and servers)"`
	Balances  map[string]int64   `yaml:"balances" doc:"genesis balances of named accounts, overriding balance"`
	MaxTxs    int                `yaml:"max_txs" doc:"the most transactions one block holds (the block size)"`
	Adversary *Adversary         `yaml:"adversary" doc:"make one server an attacker; absent: everyone is honest"`
	K         int                `yaml:"k" doc:"the puzzle's difficulty: the hash must start with k zero units (hex digits by default); virtual mining takes 1 … 60 hex digits (240 bits), realhash 1 … 5 (20 bits)"`
	Unit      string             `yaml:"unit" doc:"what k counts: hex (a zero hex digit, 16^k tries a block) or bits (2^k tries)"`
	Interval  time.Duration      `yaml:"interval" doc:"the expected time between blocks at difficulty k: it sets the network's hash rate (unit^k tries per interval) unless hashrate does, and retargeting aims at it"`
	Hashrate  float64            `yaml:"hashrate" doc:"the whole network's tries per second; 0: unit^k / interval"`
	Shares    map[string]float64 `yaml:"shares" doc:"miners' shares of the hash rate (default: the rest split equally); they sum to at most 1, what is missing is hash power outside the run"`
	RealHash  bool               `yaml:"realhash" doc:"run the SHA-256 nonce loop (counting tries) instead of drawing each miner's next block time from an exponential with rate share × hash rate / unit^k"`
	Tick      time.Duration      `yaml:"tick" doc:"realhash: how often a miner runs a batch of tries (its share of the hash rate over one tick); 0: interval/50"`
	Retarget  int                `yaml:"retarget" doc:"adjust the difficulty every this many blocks toward interval, at most ×4 either way, as Bitcoin does every 2016; 0: never"`
}

// PoSParams configure proof of stake.
type PoSParams struct {
	Balance   int64              `yaml:"balance" doc:"every account's genesis balance (clients and servers)"`
	Balances  map[string]int64   `yaml:"balances" doc:"genesis balances of named accounts, overriding balance"`
	MaxTxs    int                `yaml:"max_txs" doc:"the most transactions one block holds (the block size)"`
	Adversary *Adversary         `yaml:"adversary" doc:"make one server an attacker; absent: everyone is honest"`
	Rule      string             `yaml:"rule" doc:"who makes each slot's block: max (the course's: the largest coin age) or lottery (a draw from the parent's hash, weighted by coin age)"`
	Slot      time.Duration      `yaml:"slot" doc:"the time between block slots (at least 1ms)"`
	Day       time.Duration      `yaml:"day" doc:"how much virtual time counts as one day of coin age"`
	Stake     float64            `yaml:"stake" doc:"each validator's bonded coins, unless stakes names it"`
	Stakes    map[string]float64 `yaml:"stakes" doc:"bonded coins of named validators"`
	AgeDays   map[string]float64 `yaml:"age_days" doc:"how many days named validators have held their coins at the start"`
	Interest  float64            `yaml:"interest" doc:"the yearly rate paid on consumed coin age (the course's 5 %: 5000 coin-days earn 0.68 coins)"`
	KeepAge   bool               `yaml:"keep_age" doc:"winning leaves the winner's coin age in place; false: winning consumes it, as in Peercoin and the course's example"`
	Slashing  bool               `yaml:"slashing" doc:"burn the stake of a validator caught signing two blocks for one slot; the proof is gossiped and carried in a later block"`
}

// DPoSParams configure delegated proof of stake.
type DPoSParams struct {
	Balance     int64            `yaml:"balance" doc:"every account's genesis balance (clients and servers); a voter's balance is its vote's weight"`
	Balances    map[string]int64 `yaml:"balances" doc:"genesis balances of named accounts, overriding balance"`
	MaxTxs      int              `yaml:"max_txs" doc:"the most transactions one block holds (the block size)"`
	Adversary   *Adversary       `yaml:"adversary" doc:"DPoS has no adversary roles: leave it out"`
	Delegates   int              `yaml:"delegates" doc:"K, the number of elected producers (EOS: 21; the course says 101); at most nodes"`
	PerTurn     int              `yaml:"per_turn" doc:"m, the blocks a delegate makes in a row in its turn (EOS: 12)"`
	Slot        time.Duration    `yaml:"slot" doc:"the time per block (EOS: 500ms; at least 1ms)"`
	Maintenance int              `yaml:"maintenance" doc:"rounds between vote counts (elections)"`
	Turnout     float64          `yaml:"turnout" doc:"the chance a voter votes again at each election, after asking a server who missed a turn"`
}

func (p *PoWParams) common() *Common {
	return &Common{Balance: p.Balance, Balances: p.Balances, MaxTxs: p.MaxTxs, Adversary: p.Adversary}
}

func (p *PoSParams) common() *Common {
	return &Common{Balance: p.Balance, Balances: p.Balances, MaxTxs: p.MaxTxs, Adversary: p.Adversary}
}

func (p *DPoSParams) common() *Common {
	return &Common{Balance: p.Balance, Balances: p.Balances, MaxTxs: p.MaxTxs, Adversary: p.Adversary}
}

// Workload is what the clients do.
type Workload struct {
	Clients int           `yaml:"clients" doc:"the number of clients (c0, c1, …); they send transfers to every server and, under DPoS, vote"`
	Every   time.Duration `yaml:"every" doc:"a client's mean time between transactions (exponential); 0: none"`
	Amount  int64         `yaml:"amount" doc:"the largest amount one transfer moves; 0: 10"`
	Stop    time.Duration `yaml:"stop" doc:"when the transactions stop; 0: they go on to the end"`
}

// DefaultWorkload: three clients, one transaction each per second.
func DefaultWorkload() *Workload {
	return &Workload{Clients: 3, Every: time.Second, Amount: 10}
}

// DefaultPoW: difficulty 4 hex digits, a block a second, virtual mining.
func DefaultPoW() *PoWParams {
	return &PoWParams{Balance: 1000, MaxTxs: 100, K: 4, Unit: string(blockhash.Hex), Interval: time.Second}
}

// DefaultPoS: the course's rule (largest coin age), one-second slots and
// days, 5 % a year.
func DefaultPoS() *PoSParams {
	return &PoSParams{Balance: 1000, MaxTxs: 100, Rule: RuleMax, Slot: time.Second, Day: time.Second, Stake: 1000, Interest: 0.05}
}

// DefaultDPoS: 21 delegates, one block each per turn, half-second slots,
// an election every round, full turnout.
func DefaultDPoS() *DPoSParams {
	return &DPoSParams{Balance: 1000, MaxTxs: 100, Delegates: 21, PerTurn: 1, Slot: 500 * time.Millisecond, Maintenance: 1, Turnout: 1}
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
	cfg, err := newConfig(cc.PoW, servers, p.common(), w)
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
	cfg, err := newConfig(cc.PoS, servers, p.common(), w)
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
	cfg, err := newConfig(cc.DPoS, servers, p.common(), w)
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
