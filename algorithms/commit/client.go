package commit

import (
	"strconv"
	"time"

	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet"
)

// Client submits transactions to the coordinator one at a time: those the
// scenario writes out for it, at their times, and its share of the random
// ones. It re-sends a transaction until it hears the outcome.
type Client struct {
	env      *simnet.Env
	w        *Workload
	d        *data
	tm       simnet.NodeID
	explicit []plannedTxn
	random   int
	seq      int

	busy  bool
	cur   Submit
	op    simnet.OpID
	retry simnet.TimerID
	wake  simnet.TimerID
}

// Client timer tags.
const (
	tagNext   = "next"
	tagResend = "resend"
)

func newClient(env *simnet.Env, w *Workload, d *data, index int, tm simnet.NodeID) *Client {
	c := &Client{env: env, w: w, d: d, tm: tm}
	if index < len(d.explicit) {
		c.explicit = d.explicit[index]
	}
	if w.Clients > 0 && index < w.Clients {
		c.random = w.Random / w.Clients
		if index < w.Random%w.Clients {
			c.random++
		}
	}
	return c
}

// Start plans the first transaction.
func (c *Client) Start() {
	c.env.Publish(cm.StateRole, contract.ClientGroup)
	c.schedule(c.w.Start + c.think())
}

func (c *Client) think() time.Duration {
	if c.w.Think <= 0 {
		return 0
	}
	return time.Duration(c.env.Rand().Int64N(int64(c.w.Think) + 1))
}

// schedule wakes the client for its next transaction: the next written-out
// one at its time, or a random one after pause.
func (c *Client) schedule(pause time.Duration) {
	c.env.CancelTimer(c.wake)
	c.wake = 0
	now := c.env.Now()
	at := time.Duration(-1)
	if c.random > 0 && (c.w.Stop == 0 || now+pause < c.w.Stop) {
		at = now + pause
	}
	if len(c.explicit) > 0 && (at < 0 || c.explicit[0].at < at) {
		at = max(c.explicit[0].at, now)
	}
	if at >= 0 {
		c.wake = c.env.SetTimer(at-now, tagNext)
	}
}

// Timer starts the next transaction or re-sends the current one.
func (c *Client) Timer(tag any) {
	switch tag {
	case tagNext:
		c.wake = 0
		if !c.busy {
			c.next()
		}
	case tagResend:
		if c.busy {
			c.env.Send(c.tm, c.cur)
			c.retry = c.env.SetTimer(c.timeout(), tagResend)
		}
	}
}

func (c *Client) timeout() time.Duration {
	if c.w.Timeout > 0 {
		return c.w.Timeout
	}
	return time.Second
}

func (c *Client) next() {
	now := c.env.Now()
	var p plannedTxn
	switch {
	case len(c.explicit) > 0 && c.explicit[0].at <= now:
		p = c.explicit[0]
		c.explicit = c.explicit[1:]
	case c.random > 0 && (c.w.Stop == 0 || now < c.w.Stop):
		c.random--
		p = c.randomTxn()
	default:
		c.schedule(c.think())
		return
	}
	if p.kind == cm.TxnRead && p.ops == nil {
		p.ops = c.d.readAll()
	}
	c.seq++
	c.cur = Submit{Txn: c.env.Name() + "." + strconv.Itoa(c.seq), Kind: p.kind, Ops: p.ops}
	c.busy = true
	c.op = c.env.Invoke(cm.Input{Txn: c.cur.Txn, Kind: c.cur.Kind, Ops: c.cur.Ops})
	c.env.Send(c.tm, c.cur)
	c.retry = c.env.SetTimer(c.timeout(), tagResend)
}

// randomTxn draws a transfer, an order or a read by the workload's weights.
func (c *Client) randomTxn() plannedTxn {
	r := c.env.Rand()
	w := c.w
	order := w.Order
	if len(c.d.stock) == 0 || len(c.d.accounts) < 2 {
		order = 0
	}
	transfer := w.Transfer
	if len(c.d.accounts) < 2 {
		transfer = 0
	}
	batch := w.Batch
	if len(c.d.accounts) < 2 {
		batch = 0
	}
	total := transfer + order + w.Read + batch
	x := r.Float64() * total
	amount := func() int64 { return 1 + r.Int64N(max(w.AmountMax, 1)) }
	op := func(item string, delta int64) cm.Op {
		node, key, _ := cutItem(item)
		return cm.Op{Node: node, Key: key, Delta: delta}
	}
	switch {
	case x < transfer:
		i := r.IntN(len(c.d.accounts))
		j := r.IntN(len(c.d.accounts) - 1)
		if j >= i {
			j++
		}
		a := amount()
		return plannedTxn{kind: cm.TxnTransfer, ops: []cm.Op{op(c.d.accounts[i], -a), op(c.d.accounts[j], a)}}
	case x < transfer+order:
		item := c.d.stock[r.IntN(len(c.d.stock))]
		qty := 1 + r.Int64N(3)
		i := r.IntN(len(c.d.accounts))
		j := r.IntN(len(c.d.accounts) - 1)
		if j >= i {
			j++
		}
		price := 1 + r.Int64N(max(w.AmountMax/3, 1))
		return plannedTxn{kind: cm.TxnOrder, ops: []cm.Op{op(item, -qty), op(c.d.accounts[i], -qty*price), op(c.d.accounts[j], qty*price)}}
	case x < transfer+order+batch:
		// One account pays the first account of every other participant.
		payer := c.d.accounts[r.IntN(len(c.d.accounts))]
		pnode, _, _ := cutItem(payer)
		var ops []cm.Op
		var total int64
		seen := map[string]bool{pnode: true}
		for _, a := range c.d.accounts {
			node, _, _ := cutItem(a)
			if seen[node] {
				continue
			}
			seen[node] = true
			amt := amount()
			total += amt
			ops = append(ops, op(a, amt))
		}
		if len(ops) == 0 {
			return plannedTxn{kind: cm.TxnRead}
		}
		return plannedTxn{kind: cm.TxnTransfer, ops: append([]cm.Op{op(payer, -total)}, ops...)}
	default:
		return plannedTxn{kind: cm.TxnRead}
	}
}

// Receive takes the outcome of the current transaction.
func (c *Client) Receive(_ simnet.NodeID, msg any) {
	o, ok := msg.(Outcome)
	if !ok || !c.busy || o.Txn != c.cur.Txn {
		return
	}
	c.busy = false
	c.env.CancelTimer(c.retry)
	c.env.Return(c.op, cm.Output{Txn: o.Txn, Committed: o.Committed, Reads: o.Reads})
	c.schedule(c.think())
}

func cutItem(item string) (node, key string, ok bool) {
	for i := 0; i < len(item); i++ {
		if item[i] == '/' {
			return item[:i], item[i+1:], true
		}
	}
	return "", "", false
}
