package commit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"distlab/algorithms/algo"
	"distlab/contract"
	cm "distlab/contract/commit"
	"distlab/simnet"
)

// The message-queue method (the seed's "reliable message" for eventual
// consistency). The order service takes a client's order and, before its
// local transaction, puts a half (pending) message for the pay service on
// the broker; once the broker has stored it, the order service commits
// locally and confirms (or rolls back). The broker delivers a confirmed
// message until the consumer acknowledges it. The pay service charges the
// order and passes it on to the stock service the same way.
//
// What goes wrong without the parameters: a producer that crashes between
// its local commit and its confirm leaves the half message pending for
// ever (checkback: the broker asks the producer what became of it, as
// RocketMQ does); a consumer whose acknowledgement is lost gets the order
// again and charges twice (idempotent: it remembers what it applied).

// MQParams configures mq.
type MQParams struct {
	Checkback      bool          `yaml:"checkback" doc:"the broker asks the producer about a half message left pending (RocketMQ's check-back)"`
	CheckbackAfter time.Duration `yaml:"checkback_after" doc:"how old a half message is before the broker asks"`
	Idempotent     bool          `yaml:"idempotent" doc:"a consumer remembers the orders it applied and ignores a redelivery"`
	Redeliver      time.Duration `yaml:"redeliver" doc:"how often the broker delivers an unacknowledged message again (and checks for old halves)"`
	Retry          time.Duration `yaml:"retry" doc:"how often a producer sends a half message again until the broker acknowledges it"`
	ConfirmDelay   time.Duration `yaml:"confirm_delay" doc:"time between a producer's local commit and its confirm leaving (a crash there loses the confirm)"`
}

// DefaultMQParams is RocketMQ without its safety nets.
func DefaultMQParams() *MQParams {
	return &MQParams{CheckbackAfter: 500 * time.Millisecond, Redeliver: 200 * time.Millisecond,
		Retry: 100 * time.Millisecond, ConfirmDelay: 2 * time.Millisecond}
}

// MQWorkload is what the clients order.
type MQWorkload struct {
	Clients int           `yaml:"clients" doc:"clients placing orders (c0, c1, …)"`
	Orders  int           `yaml:"orders" shrink:"halve" doc:"orders, all clients together"`
	QtyMax  int64         `yaml:"qty_max" doc:"largest quantity of one order (uniform from 1)"`
	Price   int64         `yaml:"price" doc:"price of one unit"`
	Start   time.Duration `yaml:"start" doc:"first order no earlier than this"`
	Think   time.Duration `yaml:"think" doc:"longest pause between a client's orders (uniform)"`
	Timeout time.Duration `yaml:"timeout" doc:"a client sends its order again after this long without an answer"`
	Balance int64         `yaml:"balance" doc:"the buyers' balance at the pay service"`
	Units   int64         `yaml:"units" doc:"units in stock at the stock service"`
}

// DefaultMQWorkload is two clients with ten orders each.
func DefaultMQWorkload() *MQWorkload {
	return &MQWorkload{Clients: 2, Orders: 20, QtyMax: 3, Price: 10, Think: 50 * time.Millisecond,
		Timeout: time.Second, Balance: 1_000_000, Units: 1_000_000}
}

// BrokerName is the broker's node name.
const BrokerName = "broker"

// serviceName names the step-th service of the chain.
func serviceName(step int) string {
	switch step {
	case 0:
		return "order"
	case 1:
		return "pay"
	case 2:
		return "stock"
	}
	return "s" + strconv.Itoa(step)
}

// Messages of the message-queue method.
type (
	PlaceOrder struct {
		Order string `json:"order"`
		Qty   int64  `json:"qty"`
		Price int64  `json:"price"`
	}
	OrderReply struct {
		Order    string `json:"order"`
		Accepted bool   `json:"accepted"`
	}
	// Half is a pending message for service To, which the broker keeps
	// and does not deliver until it is confirmed.
	Half struct {
		ID    string `json:"id"` // order@service
		Order string `json:"order"`
		Qty   int64  `json:"qty"`
		Price int64  `json:"price"`
		To    string `json:"to"`
	}
	HalfAck struct {
		ID string `json:"id"`
	}
	// Confirm commits (delivers) or rolls back (drops) a half message.
	Confirm struct {
		ID     string `json:"id"`
		Commit bool   `json:"commit"`
	}
	Delivered struct {
		ID string `json:"id"`
	}
	// CheckBack asks a producer what became of its local transaction.
	CheckBack struct {
		ID    string `json:"id"`
		Order string `json:"order"`
	}
	CheckBackReply struct {
		ID    string `json:"id"`
		State string `json:"state"` // committed, rolledback, unknown
	}
)

// States of an order at the order service, and of a message at the broker.
const (
	orderPending    = "pending"
	orderCommitted  = "committed"
	orderRolledBack = "rolledback"
	orderUnknown    = "unknown"

	msgHalf    = "half"
	msgReady   = "ready"
	msgDone    = "done"
	msgDropped = "dropped"
)

func buildMQ(b algo.Build) error {
	p, ok := b.Params.(*MQParams)
	if !ok || p == nil {
		p = DefaultMQParams()
	}
	w, ok := b.Workload.(*MQWorkload)
	if !ok || w == nil {
		w = DefaultMQWorkload()
	}
	switch {
	case b.Nodes < 2:
		return fmt.Errorf("mq needs at least 2 services (order and pay), got nodes: %d", b.Nodes)
	case p.Redeliver <= 0 || p.Retry <= 0 || p.CheckbackAfter <= 0:
		return fmt.Errorf("mq params: redeliver, retry and checkback_after must be positive")
	case p.ConfirmDelay < 0:
		return &algo.FieldError{Field: "params.confirm_delay", Err: fmt.Errorf("must not be negative")}
	case w.Clients < 0 || w.Orders < 0 || w.QtyMax < 0 || w.Price < 0 || w.Balance < 0 || w.Units < 0:
		return &algo.FieldError{Field: "workload", Err: fmt.Errorf("clients, orders, qty_max, price, balance and units must not be negative")}
	case w.Orders > 0 && (w.Clients == 0 || w.Timeout <= 0):
		return &algo.FieldError{Field: "workload", Err: fmt.Errorf("orders need clients and a positive timeout")}
	}
	names := make([]string, b.Nodes)
	var broker simnet.NodeID
	var services []simnet.NodeID
	for i := range b.Nodes {
		names[i] = serviceName(i)
		services = append(services, b.Sim.AddNode(names[i], contract.ServerGroup, func(env *simnet.Env) simnet.Node {
			return &Service{env: env, p: *p, w: *w, step: i, last: i == b.Nodes-1, broker: broker, next: serviceName(i + 1)}
		}))
	}
	broker = b.Sim.AddNode(BrokerName, contract.ServerGroup, func(env *simnet.Env) simnet.Node {
		return &Broker{env: env, p: *p, services: services}
	})
	for i := range w.Clients {
		b.Sim.AddNode(fmt.Sprintf("c%d", i), contract.ClientGroup, func(env *simnet.Env) simnet.Node {
			return newOrderClient(env, *w, i, services[0])
		})
	}
	return nil
}

// Service is one service of the chain: the order service (step 0)
// produces; the others consume, and produce for the next.
type Service struct {
	env    *simnet.Env
	p      MQParams
	w      MQWorkload
	step   int
	last   bool
	next   string
	broker simnet.NodeID

	clients map[string]simnet.NodeID // order → the client waiting (order service)
	sending map[string]Half          // halves not yet acknowledged by the broker
	inbound map[string]string        // consumer: the next step's half id → the delivery it acknowledges
}

// serviceOrder is the order service's record of an order.
type serviceOrder struct {
	State string
	Qty   int64
	Price int64
}

type (
	resendHalf  struct{ ID string }
	sendConfirm struct {
		ID     string
		Commit bool
	}
)

func (t resendHalf) String() string  { return "resend half " + t.ID }
func (t sendConfirm) String() string { return "confirm " + t.ID }

const (
	orderKey   = "order/"
	appliedKey = "applied/"
	valueKey   = "value"
)

// Start announces the service; a restarted order service gives up the
// orders whose local transaction never ran.
func (s *Service) Start() {
	s.clients, s.sending, s.inbound = map[string]simnet.NodeID{}, map[string]Half{}, map[string]string{}
	cm.Service.Record(s.env, cm.ServiceMark{Step: s.step})
	s.env.Publish(cm.StateRole, "service")
	st := s.env.Storage()
	if _, ok := st.Get(valueKey); !ok {
		v := s.w.Balance
		if s.step >= 2 {
			v = s.w.Units
		}
		st.Put(valueKey, v)
	}
	if s.step != 0 {
		return
	}
	for _, key := range st.Keys() {
		if !strings.HasPrefix(key, orderKey) {
			continue
		}
		rec, _ := simnet.Load[serviceOrder](st, key)
		if rec.State != orderPending {
			continue
		}
		order := strings.TrimPrefix(key, orderKey)
		rec.State = orderRolledBack
		st.Put(key, rec)
		cm.RolledBack.Record(s.env, cm.OrderMark{Order: order})
		s.env.Send(s.broker, Confirm{ID: order + "@" + s.next, Commit: false})
	}
}

// Receive dispatches a message.
func (s *Service) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case PlaceOrder:
		s.onPlaceOrder(from, m)
	case HalfAck:
		s.onHalfAck(m)
	case cm.Deliver:
		s.onDeliver(m)
	case CheckBack:
		s.onCheckBack(m)
	}
}

// Timer re-sends halves and sends delayed confirms.
func (s *Service) Timer(tag any) {
	switch t := tag.(type) {
	case resendHalf:
		if h, ok := s.sending[t.ID]; ok {
			s.env.Send(s.broker, h)
			s.env.SetTimer(s.p.Retry, t)
		}
	case sendConfirm:
		s.env.Send(s.broker, Confirm{ID: t.ID, Commit: t.Commit})
	}
}

func (s *Service) onPlaceOrder(from simnet.NodeID, m PlaceOrder) {
	if s.step != 0 {
		return
	}
	st := s.env.Storage()
	rec, ok := simnet.Load[serviceOrder](st, orderKey+m.Order)
	s.clients[m.Order] = from
	switch {
	case !ok:
		// The half message first: the order exists only once the broker
		// holds its message.
		st.Put(orderKey+m.Order, serviceOrder{State: orderPending, Qty: m.Qty, Price: m.Price})
		s.produce(Half{ID: m.Order + "@" + s.next, Order: m.Order, Qty: m.Qty, Price: m.Price, To: s.next})
	case rec.State == orderCommitted:
		s.env.Send(from, OrderReply{Order: m.Order, Accepted: true})
	case rec.State == orderRolledBack:
		s.env.Send(from, OrderReply{Order: m.Order, Accepted: false})
	}
}

func (s *Service) produce(h Half) {
	s.sending[h.ID] = h
	s.env.Send(s.broker, h)
	s.env.SetTimer(s.p.Retry, resendHalf{ID: h.ID})
}

// onHalfAck: the broker holds the half message. The order service runs its
// local transaction now; a consumer ran it already. Then confirm.
func (s *Service) onHalfAck(m HalfAck) {
	h, ok := s.sending[m.ID]
	if !ok {
		return
	}
	delete(s.sending, m.ID)
	if s.step == 0 {
		st := s.env.Storage()
		rec, _ := simnet.Load[serviceOrder](st, orderKey+h.Order)
		if rec.State != orderPending {
			return
		}
		rec.State = orderCommitted
		st.Put(orderKey+h.Order, rec)
		cm.Applied.Record(s.env, cm.ApplyMark{Order: h.Order})
		if c, ok := s.clients[h.Order]; ok {
			s.env.Send(c, OrderReply{Order: h.Order, Accepted: true})
		}
	} else if id, ok := s.inbound[m.ID]; ok {
		delete(s.inbound, m.ID)
		s.env.Send(s.broker, Delivered{ID: id})
	}
	s.confirm(m.ID, true)
}

func (s *Service) confirm(id string, commit bool) {
	if s.p.ConfirmDelay <= 0 {
		s.env.Send(s.broker, Confirm{ID: id, Commit: commit})
		return
	}
	s.env.SetTimer(s.p.ConfirmDelay, sendConfirm{ID: id, Commit: commit})
}

// onDeliver is a consumer's local transaction: charge the order (pay) or
// take the units (stock); then pass it on, and acknowledge the delivery
// once the next step's half message is stored.
func (s *Service) onDeliver(m cm.Deliver) {
	if s.step == 0 {
		return
	}
	st := s.env.Storage()
	applied, _ := simnet.Load[int](st, appliedKey+m.Order)
	if s.p.Idempotent && applied > 0 {
		cm.Duplicate.Record(s.env, cm.OrderMark{Order: m.Order})
	} else {
		delta := -m.Qty
		if s.step == 1 {
			delta = -m.Qty * m.Price
		}
		v, _ := simnet.Load[int64](st, valueKey)
		st.Put(valueKey, v+delta)
		st.Put(appliedKey+m.Order, applied+1)
		cm.Applied.Record(s.env, cm.ApplyMark{Order: m.Order, Delta: delta})
	}
	if s.last {
		s.env.Send(s.broker, Delivered{ID: m.ID})
		return
	}
	next := Half{ID: m.Order + "@" + s.next, Order: m.Order, Qty: m.Qty, Price: m.Price, To: s.next}
	s.inbound[next.ID] = m.ID
	s.produce(next)
}

// onCheckBack tells the broker what became of the local transaction behind
// a half message.
func (s *Service) onCheckBack(m CheckBack) {
	state := orderRolledBack
	st := s.env.Storage()
	if s.step == 0 {
		if rec, ok := simnet.Load[serviceOrder](st, orderKey+m.Order); ok {
			state = rec.State
			if state == orderPending {
				state = orderUnknown
			}
		}
	} else if applied, _ := simnet.Load[int](st, appliedKey+m.Order); applied > 0 {
		state = orderCommitted
	} else {
		state = orderUnknown
	}
	s.env.Send(s.broker, CheckBackReply{ID: m.ID, State: state})
}

// Broker keeps messages durably: half until confirmed, ready until the
// consumer acknowledges.
type Broker struct {
	env      *simnet.Env
	p        MQParams
	services []simnet.NodeID
	msgs     map[string]*brokerMsg
}

type brokerMsg struct {
	Half
	From  string
	State string
	Since time.Duration
}

const msgKey = "msg/"

type brokerTick struct{}

func (brokerTick) String() string { return "tick" }

// Start loads the stored messages and starts the redelivery tick.
func (b *Broker) Start() {
	b.msgs = map[string]*brokerMsg{}
	b.env.Publish(cm.StateRole, "broker")
	st := b.env.Storage()
	for _, key := range st.Keys() {
		if strings.HasPrefix(key, msgKey) {
			m, _ := simnet.Load[brokerMsg](st, key)
			b.msgs[m.ID] = &m
		}
	}
	b.env.SetTimer(b.p.Redeliver, brokerTick{})
	b.publish()
}

func (b *Broker) save(m *brokerMsg) {
	b.env.Storage().Put(msgKey+m.ID, *m)
	b.publish()
}

func (b *Broker) publish() {
	var half, ready int
	for _, m := range b.msgs {
		switch m.State {
		case msgHalf:
			half++
		case msgReady:
			ready++
		}
	}
	b.env.Publish("messages", fmt.Sprintf("%d half, %d ready", half, ready))
}

// Receive handles producers and consumers.
func (b *Broker) Receive(from simnet.NodeID, msg any) {
	switch m := msg.(type) {
	case Half:
		if old, ok := b.msgs[m.ID]; ok {
			if old.State != msgDropped {
				b.env.Send(from, HalfAck{ID: m.ID})
			}
			return
		}
		bm := &brokerMsg{Half: m, From: b.env.NameOf(from), State: msgHalf, Since: b.env.Now()}
		b.msgs[m.ID] = bm
		b.save(bm)
		b.env.Send(from, HalfAck{ID: m.ID})
	case Confirm:
		b.settle(m.ID, m.Commit)
	case CheckBackReply:
		switch m.State {
		case orderCommitted:
			b.settle(m.ID, true)
		case orderRolledBack:
			b.settle(m.ID, false)
		}
	case Delivered:
		if bm, ok := b.msgs[m.ID]; ok && bm.State == msgReady {
			bm.State = msgDone
			b.save(bm)
		}
	}
}

// settle confirms or drops a half message.
func (b *Broker) settle(id string, commit bool) {
	bm, ok := b.msgs[id]
	if !ok || bm.State != msgHalf {
		return
	}
	if !commit {
		bm.State = msgDropped
		b.save(bm)
		return
	}
	bm.State, bm.Since = msgReady, b.env.Now()
	b.save(bm)
	b.deliver(bm)
}

func (b *Broker) deliver(bm *brokerMsg) {
	for _, id := range b.services {
		if b.env.NameOf(id) == bm.To {
			b.env.Send(id, cm.Deliver{ID: bm.ID, Order: bm.Order, Qty: bm.Qty, Price: bm.Price})
		}
	}
}

// Timer redelivers what was not acknowledged and, with checkback, asks
// about old half messages.
func (b *Broker) Timer(any) {
	ids := make([]string, 0, len(b.msgs))
	for id := range b.msgs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	now := b.env.Now()
	for _, id := range ids {
		bm := b.msgs[id]
		switch {
		case bm.State == msgReady && now-bm.Since >= b.p.Redeliver:
			b.deliver(bm)
		case bm.State == msgHalf && b.p.Checkback && now-bm.Since >= b.p.CheckbackAfter:
			for _, sid := range b.services {
				if b.env.NameOf(sid) == bm.From {
					b.env.Send(sid, CheckBack{ID: bm.ID, Order: bm.Order})
				}
			}
		}
	}
	b.env.SetTimer(b.p.Redeliver, brokerTick{})
}

// OrderClient places orders with the order service, one at a time.
type OrderClient struct {
	env   *simnet.Env
	w     MQWorkload
	to    simnet.NodeID
	left  int
	seq   int
	busy  bool
	cur   PlaceOrder
	op    simnet.OpID
	retry simnet.TimerID
}

func newOrderClient(env *simnet.Env, w MQWorkload, index int, to simnet.NodeID) *OrderClient {
	n := w.Orders / max(w.Clients, 1)
	if index < w.Orders%max(w.Clients, 1) {
		n++
	}
	return &OrderClient{env: env, w: w, to: to, left: n}
}

// Start schedules the first order.
func (c *OrderClient) Start() {
	c.env.Publish(cm.StateRole, contract.ClientGroup)
	c.env.SetTimer(c.w.Start+c.think(), tagNext)
}

func (c *OrderClient) think() time.Duration {
	if c.w.Think <= 0 {
		return 0
	}
	return time.Duration(c.env.Rand().Int64N(int64(c.w.Think) + 1))
}

// Timer places the next order or re-sends the current one.
func (c *OrderClient) Timer(tag any) {
	switch tag {
	case tagNext:
		if c.busy || c.left == 0 {
			return
		}
		c.left--
		c.seq++
		c.cur = PlaceOrder{Order: c.env.Name() + "." + strconv.Itoa(c.seq), Qty: 1 + c.env.Rand().Int64N(max(c.w.QtyMax, 1)), Price: c.w.Price}
		c.busy = true
		c.op = c.env.Invoke(cm.OrderInput{Order: c.cur.Order, Qty: c.cur.Qty, Price: c.cur.Price})
		c.env.Send(c.to, c.cur)
		c.retry = c.env.SetTimer(c.w.Timeout, tagResend)
	case tagResend:
		if c.busy {
			c.env.Send(c.to, c.cur)
			c.retry = c.env.SetTimer(c.w.Timeout, tagResend)
		}
	}
}

// Receive takes the order service's answer.
func (c *OrderClient) Receive(_ simnet.NodeID, msg any) {
	r, ok := msg.(OrderReply)
	if !ok || !c.busy || r.Order != c.cur.Order {
		return
	}
	c.busy = false
	c.env.CancelTimer(c.retry)
	c.env.Return(c.op, cm.OrderOutput{Order: r.Order, Accepted: r.Accepted})
	c.env.SetTimer(c.think(), tagNext)
}
