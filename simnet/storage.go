package simnet

import "sort"

// Storage is a node's durable storage: a map from keys to values that
// survives the node's crash and restart. Values are deep-copied on the way in
// and out, so a node cannot change what is stored except by Put — as with a
// disk.
type Storage struct {
	data   map[string]any
	writes int64
	types  recentTypes // of the values stored and read
}

func newStorage() *Storage { return &Storage{data: map[string]any{}} }

// Put stores a copy of v under key.
func (s *Storage) Put(key string, v any) {
	s.data[key] = s.copyOf(v)
	s.writes++
}

// Get returns a copy of what is stored under key.
func (s *Storage) Get(key string) (any, bool) {
	v, ok := s.data[key]
	if !ok {
		return nil, false
	}
	return s.copyOf(v), true
}

// Delete removes key.
func (s *Storage) Delete(key string) { delete(s.data, key); s.writes++ }

// Keys lists the stored keys in sorted order.
func (s *Storage) Keys() []string {
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Writes counts Put and Delete calls, for cost measurements.
func (s *Storage) Writes() int64 { return s.writes }

// Load reads key into a typed value; ok is false when the key is absent.
func Load[T any](s *Storage, key string) (v T, ok bool) {
	raw, ok := s.Get(key)
	if !ok {
		return v, false
	}
	return raw.(T), true
}

// copyOf is deepCopy with the type's information from the recent ones.
func (s *Storage) copyOf(v any) any {
	if v == nil {
		return nil
	}
	return s.types.of(v).copyOf(v)
}
