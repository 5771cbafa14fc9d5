package gossip

import (
	"strconv"
	"time"

	gc "distlab/contract/gossip"
	"distlab/simnet"
)

// Workload is what the clients do, Maelstrom's broadcast workload on a
// key-value store: writes to random replicas, reads of the whole store
// from random replicas, one operation at a time per client; then, after
// a quiet spell, a final read of every replica.
type Workload struct {
	// Clients is the number of client nodes (c0, c1, …).
	Clients int `yaml:"clients" doc:"the number of client nodes (c0, c1, …)"`
	// Writes and Reads are each client's operations before the final reads.
	Writes int `yaml:"writes" shrink:"halve" doc:"each client's writes before the final reads"`
	Reads  int `yaml:"reads" shrink:"halve" doc:"each client's reads before the final reads"`
	// Interval is the mean pause before each operation (exponential).
	Interval time.Duration `yaml:"interval" doc:"the mean pause before each operation (exponential)"`
	// Keys: 0 gives every write a key of its own (a grow-only set, like
	// Maelstrom's broadcast); k > 0 makes writes overwrite k keys, where
	// last-writer-wins decides.
	Keys int `yaml:"keys" doc:"0 gives every write a key of its own (a grow-only set, like Maelstrom's broadcast); k > 0 makes writes overwrite k keys, where last-writer-wins decides"`
	// Start is when the clients begin.
	Start time.Duration `yaml:"start" doc:"when the clients begin"`
	// Settle is the quiet spell after a client's last operation before it
	// reads its share of the replicas, all at once (the final reads; the
	// clients together read every replica); 0: no final reads.
	Settle time.Duration `yaml:"settle" doc:"the quiet spell after a client's last operation before it reads its share of the replicas, all at once (the final reads; the clients together read every replica); 0: no final reads"`
	// FinalAt, when set, is the earliest time the final reads begin (a
	// scenario with faults puts them after its last fault).
	FinalAt time.Duration `yaml:"final_at" doc:"when set, the earliest time the final reads begin (a scenario with faults puts them after its last fault)"`
	// Timeout is how long a client waits for an answer; then it records
	// the operation as unknown and goes on.
	Timeout time.Duration `yaml:"timeout" doc:"how long a client waits for an answer; then it records the operation as unknown and goes on"`
	// WriteTo restricts writes to these replicas (default: any).
	WriteTo []string `yaml:"write_to" doc:"restricts writes to these replicas (default: any)"`
}

// DefaultWorkload is small: a few clients, a few dozen operations.
func DefaultWorkload() *Workload {
	return &Workload{Clients: 2, Writes: 10, Reads: 10, Interval: 50 * time.Millisecond,
		Start: 10 * time.Millisecond, Settle: time.Second, Timeout: 500 * time.Millisecond}
}

func (w *Workload) validate() error {
	switch {
	case w.Clients < 0:
		return workloadErr("clients", "clients must not be negative (got %d)", w.Clients)
	case w.Writes < 0 || w.Reads < 0:
		return workloadErr("writes", "writes and reads must not be negative")
	case w.Keys < 0:
		return workloadErr("keys", "keys must not be negative: 0 gives every write its own key")
	case w.Interval < 0 || w.Start < 0 || w.Settle < 0 || w.FinalAt < 0:
		return workloadErr("interval", "interval, start, settle and final_at must not be negative")
	case w.Timeout <= 0:
		return workloadErr("timeout", "timeout must be positive (got %v)", w.Timeout)
	}
	return nil
}

// The client's timers.
const (
	tagOp    = "op"
	tagFinal = "final-read"
)

// timeout is a request's deadline; Op says which request.
type timeout struct{ Op int64 }

// client is one client node.
type client struct {
	env     *simnet.Env
	w       Workload
	servers []simnet.NodeID
	writeTo []simnet.NodeID
	final   []simnet.NodeID // replicas this client reads at the end
	writes  int
	reads   int
	seq     int64 // request number; also makes written values unique
	pending bool
	op      simnet.OpID
	finals  map[int64]simnet.OpID // the final reads still out, by request number
}

func newClient(env *simnet.Env, w Workload, index int, servers, writeTo []simnet.NodeID) *client {
	c := &client{env: env, w: w, servers: servers, writeTo: writeTo, writes: w.Writes, reads: w.Reads}
	if w.Settle > 0 {
		for i := index; i < len(servers); i += w.Clients {
			c.final = append(c.final, servers[i])
		}
	}
	return c
}

func (c *client) Start() {
	c.env.SetTimer(c.w.Start+c.pause(), tagOp)
}

func (c *client) pause() time.Duration {
	return time.Duration(c.env.Rand().ExpFloat64() * float64(c.w.Interval))
}

func (c *client) Timer(tag any) {
	switch t := tag.(type) {
	case string:
		switch t {
		case tagOp:
			c.next()
		case tagFinal:
			c.finalReads()
		}
	case timeout:
		if op, ok := c.finals[t.Op]; ok {
			delete(c.finals, t.Op)
			c.env.Return(op, gc.Output{Unknown: true})
		} else if c.pending && t.Op == c.seq {
			c.finish(gc.Output{Unknown: true})
		}
	}
}

// next starts the next operation: a write or a read, in proportion to
// what is left of each; when none is left, the final reads follow after
// the quiet spell.
func (c *client) next() {
	total := c.writes + c.reads
	if total == 0 {
		if len(c.final) > 0 {
			c.env.SetTimer(max(c.w.Settle, c.w.FinalAt-c.env.Now()), tagFinal)
		}
		return
	}
	c.seq++
	if c.env.Rand().IntN(total) < c.writes {
		c.writes--
		value := c.env.Name() + "." + strconv.FormatInt(c.seq, 10)
		key := value
		if c.w.Keys > 0 {
			key = "k" + strconv.Itoa(c.env.Rand().IntN(c.w.Keys))
		}
		to := c.writeTo[c.env.Rand().IntN(len(c.writeTo))]
		c.send(to, gc.Input{Kind: gc.OpWrite, Replica: c.env.NameOf(to), Key: key, Value: value},
			WriteReq{Op: c.seq, Key: key, Value: value})
		return
	}
	c.reads--
	to := c.servers[c.env.Rand().IntN(len(c.servers))]
	c.send(to, gc.Input{Kind: gc.OpRead, Replica: c.env.NameOf(to)}, ReadReq{Op: c.seq})
}

// finalReads reads every replica of this client's share at once.
func (c *client) finalReads() {
	c.finals = map[int64]simnet.OpID{}
	for _, to := range c.final {
		c.seq++
		c.finals[c.seq] = c.env.Invoke(gc.Input{Kind: gc.OpRead, Replica: c.env.NameOf(to)})
		c.env.Send(to, ReadReq{Op: c.seq})
		c.env.SetTimer(c.w.Timeout, timeout{Op: c.seq})
	}
}

func (c *client) send(to simnet.NodeID, in gc.Input, req any) {
	c.pending = true
	c.op = c.env.Invoke(in)
	c.env.Send(to, req)
	c.env.SetTimer(c.w.Timeout, timeout{Op: c.seq})
}

func (c *client) Receive(_ simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case WriteOK:
		if c.pending && m.Op == c.seq {
			e := m.Entry
			c.finish(gc.Output{OK: true, Entry: &e})
		}
	case ReadOK:
		if op, ok := c.finals[m.Op]; ok {
			delete(c.finals, m.Op)
			c.env.Return(op, gc.Output{OK: true, Entries: m.Entries})
		} else if c.pending && m.Op == c.seq {
			c.finish(gc.Output{OK: true, Entries: m.Entries})
		}
	}
}

// finish records the operation's outcome and moves on.
func (c *client) finish(out gc.Output) {
	c.pending = false
	c.env.Return(c.op, out)
	c.env.SetTimer(c.pause(), tagOp)
}
