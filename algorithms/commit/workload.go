package commit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"distlab/algorithms/algo"
	cm "distlab/contract/commit"
)

// Workload is the data the participants hold and what the clients do:
// transactions written out in the scenario (txns), random ones, or both.
type Workload struct {
	Accounts map[string]int64 `yaml:"accounts" doc:"accounts and their balances, as participant/name: amount (n0/A: 800); default: A and B with 100 each at every participant"`
	Stock    map[string]int64 `yaml:"stock" doc:"stock items and their units, as participant/name: units (n1/tshirt: 50)"`
	Txns     []TxnSpec        `yaml:"txns" doc:"transactions written out: {at, client, and one of transfer, batch, order, read}"`

	Clients   int     `yaml:"clients" doc:"clients issuing random transactions (c0, c1, …)"`
	Random    int     `yaml:"random" shrink:"halve" doc:"random transactions, all clients together"`
	Transfer  float64 `yaml:"transfer" doc:"weight of transfers among random transactions"`
	Order     float64 `yaml:"order" doc:"weight of orders (needs stock items)"`
	Read      float64 `yaml:"read" doc:"weight of snapshot reads of every account"`
	Batch     float64 `yaml:"batch" doc:"weight of batches: one account pays an account at every other participant holding one, in one transaction"`
	AmountMax int64   `yaml:"amount_max" doc:"largest random transfer (uniform from 1)"`

	Start   time.Duration `yaml:"start" doc:"first random transaction no earlier than this"`
	Think   time.Duration `yaml:"think" doc:"longest pause between a client's transactions (uniform)"`
	Stop    time.Duration `yaml:"stop" doc:"no random transaction starts at or after this; 0: never"`
	Timeout time.Duration `yaml:"timeout" doc:"a client re-sends its transaction to the coordinator after this long without an outcome"`
}

// TxnSpec is one transaction written out in the scenario. The kinds it does
// not have stay out of a written file (a replay), which must load again.
type TxnSpec struct {
	At       time.Duration  `yaml:"at" doc:"when the client submits it (later if the client is still busy)"`
	Client   string         `yaml:"client" doc:"which client submits it (default c0)"`
	Transfer *TransferSpec  `yaml:"transfer,omitempty" doc:"move an amount between two accounts"`
	Batch    []TransferSpec `yaml:"batch,omitempty" doc:"several transfers in one transaction (a payroll over many participants)"`
	Order    *OrderSpec     `yaml:"order,omitempty" doc:"take stock and pay for it"`
	Read     []string       `yaml:"read,omitempty" doc:"read these items in one snapshot; [all] reads every account"`
}

// TransferSpec moves Amount from one account to another.
type TransferSpec struct {
	From   string `yaml:"from" doc:"the account debited (n0/A)"`
	To     string `yaml:"to" doc:"the account credited (n1/B)"`
	Amount int64  `yaml:"amount" doc:"a positive amount"`
}

// OrderSpec takes Qty units of a stock item and moves Qty×Price from the
// buyer's account to the seller's.
type OrderSpec struct {
	Item  string `yaml:"item" doc:"the stock item (n1/tshirt)"`
	Qty   int64  `yaml:"qty" doc:"units ordered"`
	Price int64  `yaml:"price" doc:"price of one unit"`
	Pay   string `yaml:"pay" doc:"the buyer's account"`
	To    string `yaml:"to" doc:"the seller's account"`
}

// DefaultWorkload is a few clients moving money between the default
// accounts and reading them all now and then.
func DefaultWorkload() *Workload {
	return &Workload{Clients: 2, Random: 20, Transfer: 4, Read: 1, Order: 1, AmountMax: 50,
		Think: 20 * time.Millisecond, Timeout: time.Second}
}

// ReadAll is what a read lists to read every account.
const ReadAll = "all"

// data is a workload resolved against the cluster: every item, and every
// transaction as operations, per client.
type data struct {
	items    []itemInit // sorted by participant, then key
	accounts []string   // account items, sorted ("n0/A")
	stock    []string   // stock items, sorted
	clients  int
	explicit [][]plannedTxn // per client, by time
}

type itemInit struct {
	node, key, kind string
	value           int64
}

type plannedTxn struct {
	at   time.Duration
	kind string
	ops  []cm.Op // nil for a read of every account
}

// participantName names participant i.
func participantName(i int) string { return "n" + strconv.Itoa(i) }

// resolve checks the workload against n participants and plans it. Its
// errors name the scenario field at fault.
func (w *Workload) resolve(n int) (*data, error) {
	switch {
	case w.Clients < 0 || w.Random < 0 || w.AmountMax < 0:
		return nil, &algo.FieldError{Field: "workload", Err: fmt.Errorf("clients, random and amount_max must not be negative")}
	case w.Transfer < 0 || w.Order < 0 || w.Read < 0 || w.Batch < 0:
		return nil, &algo.FieldError{Field: "workload", Err: fmt.Errorf("the weights transfer, order, read and batch must not be negative")}
	case w.Think < 0 || w.Start < 0 || w.Stop < 0 || w.Timeout < 0:
		return nil, &algo.FieldError{Field: "workload", Err: fmt.Errorf("durations must not be negative")}
	case w.Random > 0 && w.Timeout == 0:
		return nil, &algo.FieldError{Field: "workload.timeout", Err: fmt.Errorf("clients need a positive timeout")}
	}
	d := &data{}
	kinds := map[string]string{}
	add := func(field string, m map[string]int64, kind string) error {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f := field + "." + k
			node, key, err := splitItem(k, n)
			if err != nil {
				return &algo.FieldError{Field: f, Err: err}
			}
			if m[k] < 0 {
				return &algo.FieldError{Field: f, Err: fmt.Errorf("%s starts negative (%d)", k, m[k])}
			}
			if _, dup := kinds[k]; dup {
				return &algo.FieldError{Field: f, Err: fmt.Errorf("%s is both an account and a stock item", k)}
			}
			kinds[k] = kind
			d.items = append(d.items, itemInit{node: node, key: key, kind: kind, value: m[k]})
		}
		return nil
	}
	accounts := w.Accounts
	if len(accounts) == 0 && len(w.Stock) == 0 {
		accounts = map[string]int64{}
		for i := range n {
			accounts[participantName(i)+"/A"] = 100
			accounts[participantName(i)+"/B"] = 100
		}
	}
	if err := add("workload.accounts", accounts, cm.KindAccount); err != nil {
		return nil, err
	}
	if err := add("workload.stock", w.Stock, cm.KindStock); err != nil {
		return nil, err
	}
	slices.SortFunc(d.items, func(a, b itemInit) int {
		if c := strings.Compare(a.node, b.node); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, it := range d.items {
		if it.kind == cm.KindAccount {
			d.accounts = append(d.accounts, it.node+"/"+it.key)
		} else {
			d.stock = append(d.stock, it.node+"/"+it.key)
		}
	}
	slices.Sort(d.accounts)
	slices.Sort(d.stock)
	if w.Random > 0 && w.Clients == 0 {
		return nil, &algo.FieldError{Field: "workload.clients", Err: fmt.Errorf("random transactions need at least one client")}
	}
	if w.Random > 0 && w.Transfer+w.Read+w.Order+w.Batch == 0 {
		return nil, &algo.FieldError{Field: "workload", Err: fmt.Errorf("random transactions need a positive weight among transfer, order, read, batch")}
	}
	if w.Random > 0 && (w.Transfer > 0 || w.Batch > 0) && len(d.accounts) < 2 {
		return nil, &algo.FieldError{Field: "workload.accounts", Err: fmt.Errorf("random transfers need at least two accounts")}
	}
	d.clients = w.Clients
	account := func(field, name string) (cm.Op, error) {
		node, key, err := splitItem(name, n)
		if err != nil {
			return cm.Op{}, &algo.FieldError{Field: field, Err: err}
		}
		if kinds[name] != cm.KindAccount {
			return cm.Op{}, &algo.FieldError{Field: field, Err: fmt.Errorf("%s is not an account (accounts: %s)", name, strings.Join(d.accounts, ", "))}
		}
		return cm.Op{Node: node, Key: key}, nil
	}
	for i, t := range w.Txns {
		field := fmt.Sprintf("workload.txns[%d]", i)
		client := 0
		if t.Client != "" {
			num, ok := strings.CutPrefix(t.Client, "c")
			k, err := strconv.Atoi(num)
			if !ok || err != nil || k < 0 || k > 100 {
				return nil, &algo.FieldError{Field: field + ".client", Err: fmt.Errorf("client %q: clients are named c0, c1, … (at most c100)", t.Client)}
			}
			client = k
		}
		if t.At < 0 {
			return nil, &algo.FieldError{Field: field + ".at", Err: fmt.Errorf("at must not be negative")}
		}
		set := 0
		for _, b := range []bool{t.Transfer != nil, t.Batch != nil, t.Order != nil, t.Read != nil} {
			if b {
				set++
			}
		}
		if set != 1 {
			return nil, &algo.FieldError{Field: field, Err: fmt.Errorf("a transaction has exactly one of transfer, batch, order, read (found %d)", set)}
		}
		p := plannedTxn{at: t.At}
		switch {
		case t.Transfer != nil || t.Batch != nil:
			p.kind = cm.TxnTransfer
			list, lf := t.Batch, field+".batch"
			if t.Transfer != nil {
				list, lf = []TransferSpec{*t.Transfer}, field+".transfer"
			}
			if len(list) == 0 {
				return nil, &algo.FieldError{Field: lf, Err: fmt.Errorf("a batch lists transfers")}
			}
			for j, tr := range list {
				f := lf
				if t.Batch != nil {
					f = fmt.Sprintf("%s[%d]", lf, j)
				}
				ops, err := transferOps(f, tr, account)
				if err != nil {
					return nil, err
				}
				p.ops = append(p.ops, ops...)
			}
			p.ops = mergeOps(p.ops)
		case t.Order != nil:
			o := t.Order
			p.kind = cm.TxnOrder
			if o.Qty <= 0 {
				return nil, &algo.FieldError{Field: field + ".order.qty", Err: fmt.Errorf("the quantity must be positive, got %d", o.Qty)}
			}
			if o.Price < 0 {
				return nil, &algo.FieldError{Field: field + ".order.price", Err: fmt.Errorf("the price must not be negative, got %d", o.Price)}
			}
			node, key, err := splitItem(o.Item, n)
			if err != nil {
				return nil, &algo.FieldError{Field: field + ".order.item", Err: err}
			}
			if kinds[o.Item] != cm.KindStock {
				return nil, &algo.FieldError{Field: field + ".order.item", Err: fmt.Errorf("%s is not a stock item (stock: %s)", o.Item, strings.Join(d.stock, ", "))}
			}
			p.ops = []cm.Op{{Node: node, Key: key, Delta: -o.Qty}}
			if o.Price > 0 {
				pay, err := account(field+".order.pay", o.Pay)
				if err != nil {
					return nil, err
				}
				to, err := account(field+".order.to", o.To)
				if err != nil {
					return nil, err
				}
				if o.Pay == o.To {
					return nil, &algo.FieldError{Field: field + ".order.to", Err: fmt.Errorf("the buyer pays the same account (%s)", o.Pay)}
				}
				pay.Delta, to.Delta = -o.Qty*o.Price, o.Qty*o.Price
				p.ops = append(p.ops, pay, to)
			}
		default:
			p.kind = cm.TxnRead
			if len(t.Read) == 0 {
				return nil, &algo.FieldError{Field: field + ".read", Err: fmt.Errorf("a read lists items, or [all]")}
			}
			if !(len(t.Read) == 1 && t.Read[0] == ReadAll) {
				for j, name := range t.Read {
					node, key, err := splitItem(name, n)
					if err != nil {
						return nil, &algo.FieldError{Field: fmt.Sprintf("%s.read[%d]", field, j), Err: err}
					}
					if kinds[name] == "" {
						return nil, &algo.FieldError{Field: fmt.Sprintf("%s.read[%d]", field, j), Err: fmt.Errorf("no item %s", name)}
					}
					p.ops = append(p.ops, cm.Op{Node: node, Key: key, Read: true})
				}
			}
		}
		for len(d.explicit) <= client {
			d.explicit = append(d.explicit, nil)
		}
		d.explicit[client] = append(d.explicit[client], p)
		d.clients = max(d.clients, client+1)
	}
	for _, list := range d.explicit {
		slices.SortStableFunc(list, func(a, b plannedTxn) int { return int(a.at - b.at) })
	}
	return d, nil
}

// mergeOps adds up the operations on one item (a batch paying out of one
// account), keeping the order of first appearance.
func mergeOps(ops []cm.Op) []cm.Op {
	var out []cm.Op
	for _, o := range ops {
		i := slices.IndexFunc(out, func(x cm.Op) bool { return x.Node == o.Node && x.Key == o.Key })
		if i < 0 {
			out = append(out, o)
			continue
		}
		out[i].Delta += o.Delta
	}
	return out
}

// transferOps checks one transfer and makes its two operations.
func transferOps(field string, tr TransferSpec, account func(field, name string) (cm.Op, error)) ([]cm.Op, error) {
	if tr.Amount <= 0 {
		return nil, &algo.FieldError{Field: field + ".amount", Err: fmt.Errorf("the amount must be positive, got %d", tr.Amount)}
	}
	from, err := account(field+".from", tr.From)
	if err != nil {
		return nil, err
	}
	to, err := account(field+".to", tr.To)
	if err != nil {
		return nil, err
	}
	if tr.From == tr.To {
		return nil, &algo.FieldError{Field: field + ".to", Err: fmt.Errorf("a transfer between the same account (%s)", tr.From)}
	}
	from.Delta, to.Delta = -tr.Amount, tr.Amount
	return []cm.Op{from, to}, nil
}

// splitItem parses "n1/A" against n participants.
func splitItem(name string, n int) (node, key string, err error) {
	node, key, ok := strings.Cut(name, "/")
	if !ok || node == "" || key == "" {
		return "", "", fmt.Errorf("%q is not participant/item (n0/A)", name)
	}
	num, isN := strings.CutPrefix(node, "n")
	i, convErr := strconv.Atoi(num)
	if !isN || convErr != nil || i < 0 || i >= n || participantName(i) != node {
		return "", "", fmt.Errorf("%s: participant %q does not exist (valid: n0 … n%d)", name, node, n-1)
	}
	return node, key, nil
}

// readAll reads every account.
func (d *data) readAll() []cm.Op {
	ops := make([]cm.Op, 0, len(d.accounts))
	for _, a := range d.accounts {
		node, key, _ := strings.Cut(a, "/")
		ops = append(ops, cm.Op{Node: node, Key: key, Read: true})
	}
	return ops
}

// participantsOf lists the participants of a transaction's operations,
// sorted.
func participantsOf(ops []cm.Op) []string {
	var out []string
	for _, o := range ops {
		if !slices.Contains(out, o.Node) {
			out = append(out, o.Node)
		}
	}
	slices.SortFunc(out, compareNames)
	return out
}

// compareNames orders n2 before n10.
func compareNames(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
