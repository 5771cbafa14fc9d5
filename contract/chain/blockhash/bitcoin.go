package blockhash

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
)

// BitcoinHeader is a real Bitcoin block header. PrevBlock and MerkleRoot
// are in the byte order the hash function produced ("internal" order), the
// reverse of how block explorers display them.
type BitcoinHeader struct {
	Version    int32
	PrevBlock  [32]byte
	MerkleRoot [32]byte
	Time       uint32 // Unix seconds
	Bits       uint32 // compact target
	Nonce      uint32
}

// Bytes is the 80-byte serialization: integers little-endian, hashes in
// internal order.
func (h BitcoinHeader) Bytes() [80]byte {
	var b [80]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(h.Version))
	copy(b[4:36], h.PrevBlock[:])
	copy(b[36:68], h.MerkleRoot[:])
	binary.LittleEndian.PutUint32(b[68:], h.Time)
	binary.LittleEndian.PutUint32(b[72:], h.Bits)
	binary.LittleEndian.PutUint32(b[76:], h.Nonce)
	return b
}

// ParseBitcoinHeader reads an 80-byte header.
func ParseBitcoinHeader(b []byte) (BitcoinHeader, error) {
	var h BitcoinHeader
	if len(b) != 80 {
		return h, fmt.Errorf("a Bitcoin header is 80 bytes, not %d", len(b))
	}
	h.Version = int32(binary.LittleEndian.Uint32(b[0:]))
	copy(h.PrevBlock[:], b[4:36])
	copy(h.MerkleRoot[:], b[36:68])
	h.Time = binary.LittleEndian.Uint32(b[68:])
	h.Bits = binary.LittleEndian.Uint32(b[72:])
	h.Nonce = binary.LittleEndian.Uint32(b[76:])
	return h, nil
}

// DoubleSHA256 is SHA-256 applied twice, Bitcoin's hash.
func DoubleSHA256(b []byte) [32]byte {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}

// Hash is the block's hash in internal order.
func (h BitcoinHeader) Hash() [32]byte {
	b := h.Bytes()
	return DoubleSHA256(b[:])
}

// MeetsTarget reports whether the hash, read as a little-endian number
// (as Bitcoin reads it), is at most the target the header's bits encode.
func (h BitcoinHeader) MeetsTarget() bool {
	t, err := CompactToTarget(h.Bits)
	if err != nil {
		return false
	}
	sum := h.Hash()
	slices.Reverse(sum[:])
	return new(big.Int).SetBytes(sum[:]).Cmp(t) <= 0
}

// Display is a hash as Bitcoin tools show it: bytes reversed, in hex.
func Display(sum [32]byte) string {
	slices.Reverse(sum[:])
	return hex.EncodeToString(sum[:])
}

// ParseDisplay reads a displayed hash back into internal order.
func ParseDisplay(s string) ([32]byte, error) {
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, fmt.Errorf("%q is not a 32-byte hex hash", s)
	}
	slices.Reverse(b)
	copy(out[:], b)
	return out, nil
}

// MerkleRoot is Bitcoin's Merkle root of transaction ids (internal
// order): pairs hashed with DoubleSHA256 level by level, the last one
// paired with itself when a level is odd.
func MerkleRoot(txids [][32]byte) [32]byte {
	if len(txids) == 0 {
		return [32]byte{}
	}
	level := slices.Clone(txids)
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			var pair [64]byte
			copy(pair[:32], level[i][:])
			copy(pair[32:], level[i+1][:])
			next = append(next, DoubleSHA256(pair[:]))
		}
		level = next
	}
	return level[0]
}
