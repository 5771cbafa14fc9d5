package commit

import (
	"reflect"

	"distlab/contract"
)

// ServiceMark is the payload of Service.
type ServiceMark struct {
	// Step is the service's place in the chain, from 0 (the order service,
	// which takes the client's order).
	Step int `json:"step"`
}

// ApplyMark is the payload of Applied.
type ApplyMark struct {
	Order string `json:"order"`
	// Delta is what the local transaction did to the service's item (the
	// charge, the units taken); the order service records the order with 0.
	Delta int64 `json:"delta,omitempty"`
}

// OrderMark names an order.
type OrderMark struct {
	Order string `json:"order"`
}

// The marks of the message-queue method.
var (
	Service = contract.Mark[ServiceMark]{Name: "mq-service",
		Doc: "a node is a service of the chain (recorded at every start); the broker records none"}
	Applied = contract.Mark[ApplyMark]{Name: "mq-apply",
		Doc: "a service committed its local transaction for an order (effectively-once: at most once per service and order)"}
	Duplicate = contract.Mark[OrderMark]{Name: "mq-duplicate",
		Doc: "an idempotent service recognised a redelivered order and did not apply it again"}
	RolledBack = contract.Mark[OrderMark]{Name: "mq-rollback",
		Doc: "the order service gave an order up before its local transaction (the broker drops the half message)"}
)

// Deliver is the broker's delivery of a confirmed message to the service
// it is for, sent again until the service acknowledges it
// (effectively-once counts the redeliveries from these messages).
type Deliver struct {
	ID    string `json:"id"` // order@service
	Order string `json:"order"`
	Qty   int64  `json:"qty"`
	Price int64  `json:"price"`
}

// OrderInput is a client's order as recorded at Invoke.
type OrderInput struct {
	Order string `json:"order"`
	Qty   int64  `json:"qty"`
	Price int64  `json:"price"`
}

// OrderOutput is the order service's answer as recorded at Return:
// accepted means the order is recorded and will be paid and shipped.
type OrderOutput struct {
	Order    string `json:"order"`
	Accepted bool   `json:"accepted"`
}

// MQ is the message-queue method's contract.
var MQ = &contract.Contract{
	Name:  "mq",
	Doc:   "the message-queue method: services joined by a broker's half messages, local transactions, deliveries; client orders",
	Marks: []contract.MarkDef{Service.Def(), Applied.Def(), Duplicate.Def(), RolledBack.Def()},
	Ops:   &contract.Ops{Input: reflect.TypeFor[OrderInput](), Output: reflect.TypeFor[OrderOutput](), Doc: "OrderInput at Invoke, OrderOutput at Return"},
}
