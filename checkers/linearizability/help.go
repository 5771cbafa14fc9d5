package linearizability

// FormatHelp describes the history formats for people who have only the
// binary (`distlab check --help` prints it). The JSON Schema of the distlab
// format is contract/kv/history.schema.json.
const FormatHelp = `HISTORY FILES (--format auto tells them apart by their first bytes)

distlab history (--format json): one JSON object; times in nanoseconds.

  {"format": "distlab-history", "version": 2,
   "operations": [
     {"client": "c0", "call": 1000, "return": 5000,
      "input": {"op": "put", "key": "k1", "value": "a"}, "output": {}},
     {"client": "c1", "call": 2000, "return": 9000,
      "input": {"op": "get", "key": "k1"}, "output": {"value": "a"}},
     {"client": "c2", "call": 3000, "return": 8000,
      "input": {"op": "cas", "key": "k1", "expected": "a", "value": "b"},
      "output": {"ok": true}},
     {"client": "c0", "call": 6000,
      "input": {"op": "append", "key": "k1", "value": "c"}},
     {"client": "c3", "call": 7000, "return": 9500,
      "input": {"op": "put", "key": "k2", "value": "z"}, "output": {"unknown": true}}
   ],
   "annotations": [
     {"tag": "network", "start": 2500, "end": 8000, "description": "partition {n0} | {n1,n2}"}
   ]}

  The model: string keys to string values; a missing key reads "".
  op     get, put, append (concatenates) or cas (compare-and-set: sets value
         only if the key holds expected; expected "" means a missing key).
         "format", "version", "operations", and each operation's "client",
         "call", "input.op" and "input.key" are required; "value" and
         "expected" default to "".
  output is required with "return": a get's says what it read ("value"),
         a cas's whether it swapped ("ok"), a put's or append's is {}.
  unknown outcome: an operation without "return" (it never returned), or
         with output {"unknown": true} (it returned not knowing, e.g. a
         timeout), may have taken effect at any moment after its call, or
         never; a get among them is ignored.
  Unknown fields, trailing data, negative times and a return before the
  call are errors naming the line and the operation.

Jepsen history (--format jepsen): one operation event a line, as an EDN map
  {:type :invoke, :f :cas, :value [1 2], :process 3, :time 1500}
  (Jepsen's history.edn; :key or an independent [k v] :value names the key),
  or a jepsen.util log line ("INFO jepsen.util - 3	:ok	:cas	[1 2]").
  :read/:get, :write/:put, :append and :cas [expected new]; :ok is a known
  outcome, :fail of a cas a failed compare and of anything else an
  operation that did not happen, :info (or no completion) unknown. :time
  when every line has one, else the line order; :nemesis lines are skipped.

distlab trace (--format trace): the clients' invocations and returns, with
  the run's faults and leaders as annotations of the visualization.
`
