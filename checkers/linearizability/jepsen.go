package linearizability

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"distlab/contract/kv"
)

// Jepsen histories (`distlab check --format jepsen`): one operation event a
// line, either an EDN map as in Jepsen's history.edn,
//
//	{:type :invoke, :f :cas, :value [3 4], :process 2, :time 1500, :index 7}
//	{:type :ok, :f :cas, :value [3 4], :process 2, :time 2300, :index 9}
//
// or a jepsen.util log line ("INFO jepsen.util - 2	:invoke	:cas	[3 4]").
// Register operations :read, :write and :cas, and key-value operations
// :get, :put and :append, are understood. A key comes from a :key field,
// or from an independent-keys tuple [k v] as :value; without either the
// history is one register, key "register". :ok is a known outcome; :fail of
// a cas means the compare failed, of anything else that the operation did
// not happen (it is left out); :info, or no completion at all, is an
// unknown outcome. Times are :time (nanoseconds) when every line has one,
// the line numbers otherwise. Lines of the :nemesis process are skipped.

// jepsenEvent is one line.
type jepsenEvent struct {
	line    int
	process string
	typ     string // invoke, ok, fail, info
	f       string
	key     string
	hasKey  bool
	value   any
	time    int64
	hasTime bool
}

// parseJepsen reads a Jepsen history; its errors start with ":line: ".
func parseJepsen(data []byte) (*kv.History, error) {
	var events []jepsenEvent
	allTimed := true
	for n, line := range bytes.Split(data, []byte("\n")) {
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, ";") {
			continue
		}
		e, skip, err := parseJepsenLine(text)
		if err != nil {
			return nil, fmt.Errorf(":%d: %w", n+1, err)
		}
		if skip {
			continue
		}
		e.line = n + 1
		allTimed = allTimed && e.hasTime
		events = append(events, e)
	}
	h := &kv.History{Format: kv.FormatName, Version: kv.FormatVersion, Operations: []kv.Operation{}}
	open := map[string]int{} // process → index of its open operation in h.Operations
	var dropped []int        // operations that failed: they did not happen
	for i, e := range events {
		at := int64(i)
		if allTimed {
			at = e.time
		}
		where := func(err error) error { return fmt.Errorf(":%d: %w", e.line, err) }
		switch e.typ {
		case "invoke":
			if k, busy := open[e.process]; busy {
				return nil, where(fmt.Errorf("process %s invokes %s while its %s is still open", e.process, e.f, h.Operations[k].Input.Op))
			}
			in, err := jepsenInput(e)
			if err != nil {
				return nil, where(err)
			}
			open[e.process] = len(h.Operations)
			h.Operations = append(h.Operations, kv.Operation{Client: "p" + e.process, Call: at, Input: in})
		case "ok", "fail", "info":
			k, ok := open[e.process]
			if !ok {
				return nil, where(fmt.Errorf(":%s of process %s, which has no open operation", e.typ, e.process))
			}
			delete(open, e.process)
			op := &h.Operations[k]
			if at < op.Call {
				return nil, where(fmt.Errorf(":time %d is before the invocation's (%d)", at, op.Call))
			}
			out, drop, err := jepsenOutput(op.Input, e)
			if err != nil {
				return nil, where(err)
			}
			if drop {
				dropped = append(dropped, k)
				continue
			}
			op.Return, op.Output = &at, out
		default:
			return nil, where(fmt.Errorf(":type :%s is not one of :invoke, :ok, :fail, :info", e.typ))
		}
	}
	if len(dropped) > 0 {
		kept := h.Operations[:0]
		for i, op := range h.Operations {
			if len(dropped) > 0 && dropped[0] == i {
				dropped = dropped[1:]
				continue
			}
			kept = append(kept, op)
		}
		h.Operations = kept
	}
	return h, nil
}

// parseJepsenLine reads one line; skip is true for the nemesis's lines.
func parseJepsenLine(text string) (e jepsenEvent, skip bool, err error) {
	if strings.HasPrefix(text, "{") {
		r := &ednReader{s: text}
		v, err := r.read()
		if err != nil {
			return e, false, err
		}
		if !r.atEnd() {
			return e, false, r.errorf("unexpected data after the map")
		}
		m, ok := v.(ednMap)
		if !ok {
			return e, false, fmt.Errorf("not an EDN map")
		}
		proc, _ := m.get("process")
		if kw, ok := proc.(ednKeyword); ok && kw == "nemesis" {
			return e, true, nil
		}
		if e.process, err = jepsenProcess(proc); err != nil {
			return e, false, err
		}
		typ, _ := m.get("type")
		f, _ := m.get("f")
		kt, ok1 := typ.(ednKeyword)
		kf, ok2 := f.(ednKeyword)
		if !ok1 || !ok2 {
			return e, false, fmt.Errorf(":type and :f must be keywords, got %v and %v", typ, f)
		}
		e.typ, e.f = string(kt), string(kf)
		e.value, _ = m.get("value")
		if key, ok := m.get("key"); ok {
			e.key, e.hasKey = ednString(key), true
		}
		if t, ok := m.get("time"); ok {
			ti, isInt := t.(int64)
			if !isInt || ti < 0 {
				return e, false, fmt.Errorf(":time %v is not a non-negative integer", t)
			}
			e.time, e.hasTime = ti, true
		}
		return e, false, nil
	}
	_, rest, found := strings.Cut(text, "jepsen.util -")
	if !found {
		return e, false, fmt.Errorf("neither an EDN map nor a jepsen.util log line")
	}
	r := &ednReader{s: rest}
	var fields [3]any
	for i := range fields {
		if fields[i], err = r.read(); err != nil {
			return e, false, err
		}
	}
	if kw, ok := fields[0].(ednKeyword); ok && kw == "nemesis" {
		return e, true, nil
	}
	if e.process, err = jepsenProcess(fields[0]); err != nil {
		return e, false, err
	}
	kt, ok1 := fields[1].(ednKeyword)
	kf, ok2 := fields[2].(ednKeyword)
	if !ok1 || !ok2 {
		return e, false, fmt.Errorf("want process, :type and :f, got %v %v %v", fields[0], fields[1], fields[2])
	}
	e.typ, e.f = string(kt), string(kf)
	if !r.atEnd() {
		if e.value, err = r.read(); err != nil {
			return e, false, err
		}
	}
	return e, false, nil
}

func jepsenProcess(v any) (string, error) {
	if p, ok := v.(int64); ok {
		return strconv.FormatInt(p, 10), nil
	}
	return "", fmt.Errorf(":process %v is not a number (or :nemesis)", v)
}

// jepsenOps maps Jepsen's operation names to the model's.
var jepsenOps = map[string]string{"read": kv.OpGet, "get": kv.OpGet, "write": kv.OpPut, "put": kv.OpPut,
	"append": kv.OpAppend, "cas": kv.OpCAS}

// keyAndValue splits an independent-keys tuple [k v] off a value.
func keyAndValue(e jepsenEvent, op string) (key string, v any) {
	if e.hasKey {
		return e.key, e.value
	}
	if t, ok := e.value.(ednVector); ok && len(t) == 2 {
		if _, pair := t[1].(ednVector); op != kv.OpCAS || pair {
			return ednString(t[0]), t[1]
		}
	}
	return "register", e.value
}

func jepsenInput(e jepsenEvent) (kv.Input, error) {
	op, ok := jepsenOps[e.f]
	if !ok {
		return kv.Input{}, fmt.Errorf(":f :%s is not one of :read, :write, :cas, :get, :put, :append", e.f)
	}
	key, v := keyAndValue(e, op)
	in := kv.Input{Op: op, Key: key}
	switch op {
	case kv.OpPut, kv.OpAppend:
		in.Value = ednString(v)
	case kv.OpCAS:
		pair, ok := v.(ednVector)
		if !ok || len(pair) != 2 {
			return in, fmt.Errorf(":cas wants [expected new] as its value, got %v", v)
		}
		in.Expected, in.Value = ednString(pair[0]), ednString(pair[1])
	}
	return in, nil
}

// jepsenOutput is a completion's output; drop is true for an operation that
// failed and so did not happen.
func jepsenOutput(in kv.Input, e jepsenEvent) (out *kv.Output, drop bool, err error) {
	switch {
	case e.typ == "info":
		return &kv.Output{Unknown: true}, false, nil
	case e.typ == "fail" && in.Op == kv.OpCAS:
		o := kv.CASOutput(false)
		return &o, false, nil
	case e.typ == "fail":
		return nil, true, nil
	case in.Op == kv.OpCAS:
		o := kv.CASOutput(true)
		return &o, false, nil
	case in.Op == kv.OpGet:
		_, v := keyAndValue(e, in.Op)
		return &kv.Output{Value: ednString(v)}, false, nil
	}
	return &kv.Output{}, false, nil
}

// ednString is the model's string for a Jepsen value: nil (no value) is
// "", as a missing key reads.
func ednString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case ednKeyword:
		return ":" + string(x)
	case ednSymbol:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case ednVector:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = ednString(p)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}
