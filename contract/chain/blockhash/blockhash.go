package blockhash

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// Version is the first byte of every encoded header.
const Version = 1

// Zero is the parent hash of a genesis block.
var Zero = hex.EncodeToString(make([]byte, 32))

// Header is what a distlab block's hash covers (the package comment gives
// the byte layout).
type Header struct {
	Height   int64  `json:"height"`
	Parent   string `json:"parent"` // hex
	Time     int64  `json:"time"`   // producer's clock, ms
	Producer string `json:"producer"`
	Slot     int64  `json:"slot,omitempty"`
	Bits     uint32 `json:"bits,omitempty"`
	Root     string `json:"root"` // hex SHA-256 of the body
	Nonce    uint64 `json:"nonce"`
}

// Encode appends the header's bytes to buf. A parent or root that is not
// 64 hex digits is encoded as zeros (Verify reports it).
func (h *Header) Encode(buf []byte) []byte {
	buf = append(buf, Version)
	buf = binary.BigEndian.AppendUint64(buf, uint64(h.Height))
	buf = appendHash(buf, h.Parent)
	buf = binary.BigEndian.AppendUint64(buf, uint64(h.Time))
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(h.Producer)))
	buf = append(buf, h.Producer...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(h.Slot))
	buf = binary.BigEndian.AppendUint32(buf, h.Bits)
	buf = appendHash(buf, h.Root)
	return binary.BigEndian.AppendUint64(buf, h.Nonce)
}

// NonceOffset is where the nonce starts in an encoding of length n: the
// last 8 bytes.
func NonceOffset(n int) int { return n - 8 }

func appendHash(buf []byte, s string) []byte {
	var b [32]byte
	if len(s) == 64 {
		_, _ = hex.Decode(b[:], []byte(s))
	}
	return append(buf, b[:]...)
}

// Sum is the header's SHA-256.
func (h *Header) Sum() [32]byte {
	var buf [160]byte
	return sha256.Sum256(h.Encode(buf[:0]))
}

// Hash is the header's SHA-256 in hex.
func (h *Header) Hash() string {
	s := h.Sum()
	return hex.EncodeToString(s[:])
}

// Verify reports a malformed header: hashes that are not 64 hex digits.
func (h *Header) Verify() error {
	for _, f := range []struct{ name, v string }{{"parent", h.Parent}, {"root", h.Root}} {
		if len(f.v) != 64 {
			return fmt.Errorf("%s %q is not 64 hex digits", f.name, f.v)
		}
		if _, err := hex.DecodeString(f.v); err != nil {
			return fmt.Errorf("%s %q is not hex", f.name, f.v)
		}
	}
	return nil
}

// Unit is how the puzzle's k counts zeros.
type Unit string

// The units: a hex digit is 4 bits.
const (
	Hex  Unit = "hex"
	Bits Unit = "bits"
)

// BitsPer is how many bits one unit of k is.
func (u Unit) BitsPer() int {
	if u == Bits {
		return 1
	}
	return 4
}

// TargetForZeros is the target that means "the first k units of the hash
// are zero": 2^(256 − k·bits per unit).
func TargetForZeros(k int, u Unit) *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(256-k*u.BitsPer()))
}

// Max is the largest target (every hash meets it): 2^256 − 1.
var Max = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Below reports whether a hash, as a big-endian number, is below target.
func Below(sum [32]byte, target *big.Int) bool {
	return new(big.Int).SetBytes(sum[:]).Cmp(target) < 0
}

// BelowHex is Below for a hex hash.
func BelowHex(hash string, target *big.Int) bool {
	var b [32]byte
	if len(hash) != 64 {
		return false
	}
	if _, err := hex.Decode(b[:], []byte(hash)); err != nil {
		return false
	}
	return Below(b, target)
}

// TargetBytes is a target as 32 big-endian bytes, for Meets.
func TargetBytes(t *big.Int) [32]byte {
	var b [32]byte
	if t.BitLen() > 256 {
		return [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	}
	t.FillBytes(b[:])
	return b
}

// Meets is Below without allocating: sum < target, both big-endian.
func Meets(sum, target [32]byte) bool { return bytes.Compare(sum[:], target[:]) < 0 }

// LeadingZeroBits counts the zero bits at the start of a hash.
func LeadingZeroBits(sum [32]byte) int {
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// LeadingZeroHex counts the zero hex digits at the start of a hash.
func LeadingZeroHex(sum [32]byte) int { return LeadingZeroBits(sum) / 4 }

// ExpectedTries is 2^256 / target: how many hashes one block costs on
// average.
func ExpectedTries(target *big.Int) float64 {
	if target.Sign() <= 0 {
		return math.Inf(1)
	}
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(new(big.Int).Lsh(big.NewInt(1), 256)), new(big.Float).SetInt(target)).Float64()
	return f
}

// CompactToTarget decodes Bitcoin's compact target ("bits"): the top byte
// is a length in bytes, the other three the most significant bytes.
// A set sign bit (0x00800000) is a negative target: an error.
func CompactToTarget(c uint32) (*big.Int, error) {
	size := c >> 24
	mant := int64(c & 0x007fffff)
	if c&0x00800000 != 0 {
		return nil, fmt.Errorf("compact target %08x is negative", c)
	}
	t := big.NewInt(mant)
	if size <= 3 {
		t.Rsh(t, uint(8*(3-size)))
	} else {
		t.Lsh(t, uint(8*(size-3)))
	}
	if t.BitLen() > 256 {
		return nil, fmt.Errorf("compact target %08x exceeds 256 bits", c)
	}
	return t, nil
}

// TargetToCompact encodes a target in Bitcoin's compact form, keeping its
// three most significant bytes (the rest is rounded down).
func TargetToCompact(t *big.Int) uint32 {
	size := uint32((t.BitLen() + 7) / 8)
	var mant uint32
	if size <= 3 {
		mant = uint32(t.Uint64() << (8 * (3 - size)))
	} else {
		mant = uint32(new(big.Int).Rsh(t, uint(8*(size-3))).Uint64())
	}
	if mant&0x00800000 != 0 { // would read as negative: one more byte
		mant >>= 8
		size++
	}
	return size<<24 | mant
}
