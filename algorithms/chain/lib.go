package chain

import cc "distlab/contract/chain"

// libKey is where a DPoS node keeps its last irreversible block in
// durable storage: a restarted node has lost its blocks, but it must
// still never accept a chain without that block.
const libKey = "lib"

// keepsLIB reports whether a chain ending at cand holds this node's last
// irreversible block (and, after a restart, the one it had before; a chain
// not yet that long may still be on the way to it).
func (s *server) keepsLIB(cand *entry) bool {
	if s.cfg.protocol != cc.DPoS {
		return true
	}
	if !onChain(s.lib, cand) {
		return false
	}
	if f := s.libFloor; f.Height > 0 && cand.height() >= f.Height {
		return ancestorAt(cand, f.Height).hash() == f.Hash
	}
	return true
}

// setLIB moves the last irreversible block to e and records it.
func (s *server) setLIB(e *entry) {
	s.lib = e
	if e.height() >= s.libFloor.Height {
		s.libFloor = cc.LIBMark{Hash: e.hash(), Height: e.height()}
		s.env.Storage().Put(libKey, s.libFloor)
	}
	cc.Irreversible.Record(s.env, cc.LIBMark{Hash: e.hash(), Height: e.height()})
	s.env.Publish(cc.StateLIB, e.height())
}
