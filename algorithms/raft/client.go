package raft

import (
	"strconv"
	"time"

	"distlab/contract"
	"distlab/contract/kv"
	"distlab/simnet"
)

// Workload is what the clients do.
type Workload struct {
	Clients int `yaml:"clients" doc:"number of clients (c0, c1, …)"`
	// Ops is the number of operations of all clients together.
	Ops  int `yaml:"ops" shrink:"halve" doc:"operations of all clients together"`
	Keys int `yaml:"keys" doc:"number of distinct keys (k0, k1, …)"`
	// Relative weights of the operation kinds. A cas expects the value
	// the client last saw for the key (read, written, or found by a cas
	// that did not swap), "" when it has seen none.
	Get    float64 `yaml:"get" doc:"relative weight of Get operations"`
	Put    float64 `yaml:"put" doc:"relative weight of Put operations"`
	Append float64 `yaml:"append" doc:"relative weight of Append operations"`
	CAS    float64 `yaml:"cas" doc:"relative weight of compare-and-set operations (a cas expects the value the client last saw for the key)"`
	// Timeout is how long a client waits for an answer before it retries
	// with the next server.
	Timeout time.Duration `yaml:"timeout" doc:"how long a client waits for an answer before it retries with the next server"`
	// Think is the longest pause between a client's operations (uniform).
	Think time.Duration `yaml:"think" doc:"longest pause between a client's operations (uniform)"`
	// Start delays the first operation.
	Start time.Duration `yaml:"start" doc:"delay before the first operation"`
}

// DefaultWorkload is small enough to check hundreds of seeds a minute.
func DefaultWorkload() *Workload {
	return &Workload{Clients: 3, Ops: 90, Keys: 3, Get: 4, Put: 3, Append: 3,
		Timeout: 200 * time.Millisecond, Think: 10 * time.Millisecond}
}

// Client is a simulated client: one operation at a time, sent to the server
// it believes leads. It records each operation in the trace as kv's Input
// (at Invoke) and Output (at Return).
type Client struct {
	env      *simnet.Env
	w        Workload
	servers  []NodeID
	ops      int  // operations left to start
	readAny  bool // send Gets to a random server (for the stale-read variant)
	guess    int  // index in servers of the believed leader
	seq      int64
	busy     bool
	req      ClientRequest
	op       simnet.OpID
	attempt  int64
	timer    simnet.TimerID
	sentTo   NodeID            // where the current attempt went; None once its "not leader" is handled
	redirect int               // leader hints followed since the last pause, to damp loops
	seen     map[string]string // key → the value last seen there, what a cas expects
}

type retryTimer struct{ Attempt int64 }  // the answer is late: try the next server
type resendTimer struct{ Attempt int64 } // back-off over: send again

// NewClient builds client number index of w.Clients.
func NewClient(env *simnet.Env, w Workload, index int, readAny bool) *Client {
	ops := w.Ops / max(1, w.Clients)
	if index < w.Ops%max(1, w.Clients) {
		ops++
	}
	c := &Client{env: env, w: w, servers: env.Members(contract.ServerGroup), ops: ops, readAny: readAny, sentTo: None, seen: map[string]string{}}
	if len(c.servers) > 0 {
		c.guess = env.Rand().IntN(len(c.servers))
	}
	return c
}

// Start schedules the first operation.
func (c *Client) Start() {
	c.env.SetTimer(c.w.Start+c.think(), "think")
}

func (c *Client) think() time.Duration {
	if c.w.Think <= 0 {
		return 0
	}
	return time.Duration(c.env.Rand().Int64N(int64(c.w.Think) + 1))
}

// Timer starts the next operation, or retries the current one.
func (c *Client) Timer(tag any) {
	switch t := tag.(type) {
	case string:
		c.next()
	case retryTimer:
		if c.busy && t.Attempt == c.attempt {
			c.guess = (c.guess + 1) % len(c.servers)
			c.redirect = 0 // after a pause, hints are worth following again
			c.send()
		}
	case resendTimer:
		if c.busy && t.Attempt == c.attempt {
			c.redirect = 0
			c.send()
		}
	}
}

func (c *Client) next() {
	if c.ops == 0 || len(c.servers) == 0 {
		return
	}
	c.ops--
	c.seq++
	r := c.env.Rand()
	in := kv.Input{Key: "k" + strconv.Itoa(r.IntN(max(1, c.w.Keys)))}
	value := c.env.Name() + "." + strconv.FormatInt(c.seq, 10) + ";"
	total := c.w.Get + c.w.Put + c.w.Append + c.w.CAS
	switch x := r.Float64() * total; {
	case x < c.w.Get || total == 0:
		in.Op = kv.OpGet
	case x < c.w.Get+c.w.Put:
		in.Op, in.Value = kv.OpPut, value
	case x < c.w.Get+c.w.Put+c.w.Append:
		in.Op, in.Value = kv.OpAppend, value
	default:
		in.Op, in.Value, in.Expected = kv.OpCAS, value, c.seen[in.Key]
	}
	c.req = ClientRequest{Seq: c.seq, Op: in.Op, Key: in.Key, Value: in.Value, Expected: in.Expected}
	c.busy = true
	c.redirect = 0
	c.op = c.env.Invoke(in)
	c.send()
}

func (c *Client) send() {
	c.attempt++
	c.env.CancelTimer(c.timer)
	to := c.servers[c.guess]
	if c.readAny && c.req.Op == kv.OpGet {
		to = c.servers[c.env.Rand().IntN(len(c.servers))]
	}
	c.sentTo = to
	c.env.Send(to, c.req)
	c.timer = c.env.SetTimer(c.w.Timeout, retryTimer{Attempt: c.attempt})
}

// Receive handles a server's answer: done, or try where it points.
func (c *Client) Receive(from NodeID, msg any) {
	m, ok := msg.(ClientReply)
	if !ok || !c.busy || m.Seq != c.req.Seq {
		return // a late answer to an earlier attempt
	}
	if m.OK {
		c.busy = false
		c.env.CancelTimer(c.timer)
		c.env.Return(c.op, c.answered(m))
		c.env.SetTimer(c.think(), "think")
		return
	}
	if from != c.sentTo {
		// A late "not leader" to an earlier attempt, or a duplicate of one
		// already acted on: acting again would skip a server or reset the wait.
		return
	}
	c.sentTo = None
	c.redirect++
	if m.Leader != None && m.Leader != from && c.redirect <= len(c.servers) {
		c.guess = c.indexOf(m.Leader)
		c.send()
		return
	}
	// No leader known (an election is on): wait a little, then try the
	// next server.
	c.guess = (c.guess + 1) % len(c.servers)
	c.attempt++
	c.env.CancelTimer(c.timer)
	c.timer = c.env.SetTimer(c.w.Timeout/4, resendTimer{Attempt: c.attempt})
}

func (c *Client) indexOf(id NodeID) int {
	for i, s := range c.servers {
		if s == id {
			return i
		}
	}
	return c.guess
}

// answered is the Output of the current request, and what it taught the
// client about its key.
func (c *Client) answered(m ClientReply) kv.Output {
	switch c.req.Op {
	case kv.OpGet:
		c.seen[c.req.Key] = m.Value
		return kv.Output{Value: m.Value}
	case kv.OpPut:
		c.seen[c.req.Key] = c.req.Value
	case kv.OpAppend:
		delete(c.seen, c.req.Key) // others may have appended too
	case kv.OpCAS:
		if m.Swapped {
			c.seen[c.req.Key] = c.req.Value
		} else {
			c.seen[c.req.Key] = m.Value
		}
		return kv.CASOutput(m.Swapped)
	}
	return kv.Output{}
}
