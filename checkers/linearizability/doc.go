// Package linearizability checks a key-value history for linearizability
// with porcupine (github.com/anishathalye/porcupine).
//
// The history comes from a trace (clients' Invoke and Return events, linked
// by their operation id) or from a history file in the JSON format below,
// so that a history produced elsewhere can be checked with
// `distlab check FILE` (CheckFile).
//
// The model is a map of string keys to string values, partitioned by key:
// Get returns the value ("" for a missing key), Put replaces it, Append
// concatenates to it. Porcupine's intervals are closed. An operation that
// never returned (its client gave up, or the run ended) is given the end of
// the history as its return and the output {"unknown":true}, which the model
// accepts with either effect, as porcupine's own etcd tests do.
//
// The check is bounded in time; when it runs out the verdict is Unknown,
// never Pass. On a violation porcupine's HTML visualization is written to a
// file named in Result.Artifacts, annotated with the run's partitions,
// crashes, restarts and leaders, so the student sees what the network did
// while the history went wrong.
//
// History file format (JSON; times in nanoseconds of virtual time):
//
//	{
//	  "format": "distlab-history", "version": 1,
//	  "operations": [
//	    {"client": "c0", "call": 1000, "return": 5000,
//	     "input": {"op": "put", "key": "k1", "value": "x"}, "output": {"value": ""}},
//	    {"client": "c1", "call": 2000, "return": 9000,
//	     "input": {"op": "get", "key": "k1"}, "output": {"value": "x"}},
//	    {"client": "c2", "call": 3000,
//	     "input": {"op": "append", "key": "k1", "value": "y"}}
//	  ],
//	  "annotations": [
//	    {"tag": "network", "start": 2500, "end": 8000, "description": "partition {n0} | {n1,n2}"}
//	  ]
//	}
//
// op is "get", "put" or "append"; an operation without "return" (or with
// {"unknown": true} as output) never returned. In a trace, a client records
// the same input and output objects as the Data of its Invoke and Return
// events (see algorithms/raft: Input and Output).
package linearizability
