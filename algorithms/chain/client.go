package chain

import (
	"slices"
	"time"

	"distlab/contract"
	cc "distlab/contract/chain"
	"distlab/simnet"
)

// client is an account holder: it sends transfers to other clients (to
// every server) and, under DPoS, votes: at the start for the first K
// servers, then at every election with probability Turnout, after asking
// a server which delegates missed their turns — those lose its approval
// for good ("voted out").
type client struct {
	env      *simnet.Env
	cfg      *config
	me       string
	servers  []simnet.NodeID
	nonce    int64
	voted    bool
	distrust map[string]bool
}

// Client timer tags.
const (
	tagTx   = "tx"
	tagVote = "vote"
)

func newClient(cfg *config) simnet.Factory {
	return func(env *simnet.Env) simnet.Node {
		return &client{env: env, cfg: cfg, me: env.Name(), distrust: map[string]bool{}}
	}
}

// The nonce survives a restart, so a client never reuses one.
const nonceKey = "nonce"

func (c *client) Start() {
	c.servers = c.env.Members(contract.ServerGroup)
	if n, ok := simnet.Load[int64](c.env.Storage(), nonceKey); ok {
		c.nonce = n
	}
	if c.cfg.work.Every > 0 {
		c.env.SetTimer(c.wait(), tagTx)
	}
	if c.cfg.protocol == cc.DPoS {
		c.env.SetTimer(time.Duration(c.env.Rand().Int64N(int64(c.cfg.slot))), tagVote)
	}
}

func (c *client) wait() time.Duration {
	return time.Duration(c.env.Rand().ExpFloat64() * float64(c.cfg.work.Every))
}

func (c *client) send(tx cc.Tx) {
	c.nonce++
	c.env.Storage().Put(nonceKey, c.nonce)
	tx.From, tx.Nonce = c.me, c.nonce
	tx.ID = tx.ComputeID()
	cc.Submit.Record(c.env, tx)
	for _, s := range c.servers {
		c.env.Send(s, Transaction{Tx: tx})
	}
}

func (c *client) Timer(tag any) {
	switch tag {
	case tagTx:
		if c.cfg.work.Stop > 0 && c.env.Now() >= c.cfg.work.Stop {
			return
		}
		to := c.recipient()
		if to != "" {
			c.send(cc.Tx{To: to, Amount: 1 + c.env.Rand().Int64N(c.cfg.work.Amount)})
		}
		c.env.SetTimer(c.wait(), tagTx)
	case tagVote:
		switch {
		case !c.voted: // the first vote
			c.voted = true
			c.vote()
		case c.env.Rand().Float64() < c.cfg.turnout: // this election's turnout
			c.env.Send(c.servers[c.env.Rand().IntN(len(c.servers))], GetMissed{})
		}
		c.nextVote()
	}
}

// recipient is another client (or, alone, the first server).
func (c *client) recipient() string {
	others := slices.DeleteFunc(slices.Clone(c.cfg.clients), func(n string) bool { return n == c.me })
	if len(others) == 0 {
		return c.cfg.servers[0]
	}
	return others[c.env.Rand().IntN(len(others))]
}

// nextVote waits for the next election (a little after it begins).
func (c *client) nextVote() {
	period := time.Duration(c.cfg.maintenance*c.cfg.k*c.cfg.m) * c.cfg.slot
	next := (c.env.Now()/period+1)*period + time.Duration(c.env.Rand().Int64N(int64(period/2)+1))
	c.env.SetTimer(next-c.env.Now(), tagVote)
}

// vote approves the first K servers it still trusts.
func (c *client) vote() {
	var approve []string
	for _, s := range c.cfg.servers {
		if !c.distrust[s] && len(approve) < c.cfg.k {
			approve = append(approve, s)
		}
	}
	c.send(cc.Tx{Approve: approve})
}

func (c *client) Receive(from simnet.NodeID, msg any) {
	if m, ok := msg.(Missed); ok {
		for _, d := range m.Delegates {
			c.distrust[d] = true
		}
		c.vote()
	}
}
