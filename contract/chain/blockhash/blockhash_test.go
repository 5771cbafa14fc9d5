package blockhash

import (
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func display(t *testing.T, s string) [32]byte {
	h, err := ParseDisplay(s)
	require.NoError(t, err)
	return h
}

// Block 125552, the Bitcoin wiki's worked example: the 80 header bytes as
// they travel on the wire. The test recomputes the hash from those bytes.
func TestBitcoinBlock125552(t *testing.T) {
	raw, err := hex.DecodeString("01000000" +
		"81cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000" +
		"e320b6c2fffc8d750423db8b1eb942ae710e951ed797f7affc8892b0f1fc122b" +
		"c7f5d74d" + "f2b9441a" + "42a14695")
	require.NoError(t, err)
	h, err := ParseBitcoinHeader(raw)
	require.NoError(t, err)
	assert.Equal(t, int32(1), h.Version)
	assert.Equal(t, uint32(1305998791), h.Time)
	assert.Equal(t, uint32(0x1a44b9f2), h.Bits)
	assert.Equal(t, uint32(2504433986), h.Nonce)
	assert.Equal(t, "00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81", Display(h.PrevBlock))
	sum := h.Hash()
	// what SHA-256 returns: the zeros are at the END …
	assert.Equal(t, "1dbd981fe6985776b644b173a4d0385ddc1aa2a829688d1e0000000000000000", hex.EncodeToString(sum[:]))
	// … and block explorers show it reversed.
	assert.Equal(t, "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d", Display(sum))
	assert.True(t, h.MeetsTarget())
	back := h.Bytes()
	assert.Equal(t, raw, back[:], "serializing gives the same 80 bytes")

	h.Nonce++
	assert.False(t, h.MeetsTarget(), "another nonce misses the target")
}

// The genesis block, built from its fields rather than its bytes.
func TestBitcoinGenesis(t *testing.T) {
	h := BitcoinHeader{
		Version:    1,
		MerkleRoot: display(t, "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
		Time:       1231006505,
		Bits:       0x1d00ffff,
		Nonce:      2083236893,
	}
	assert.Equal(t, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", Display(h.Hash()))
	assert.True(t, h.MeetsTarget())
	// A single transaction is its own Merkle root (the genesis coinbase).
	assert.Equal(t, h.MerkleRoot, MerkleRoot([][32]byte{h.MerkleRoot}))
	// Difficulty 1: the target 0x00000000ffff0000…, about 2^32 tries.
	target, err := CompactToTarget(h.Bits)
	require.NoError(t, err)
	assert.Equal(t, "ffff"+zeros(52), target.Text(16))
	assert.InDelta(t, 4295032833.0, ExpectedTries(target), 1)
	assert.Equal(t, uint32(0x1d00ffff), TargetToCompact(target))
}

func zeros(n int) string {
	s := make([]byte, n)
	for i := range s {
		s[i] = '0'
	}
	return string(s)
}

// Merkle roots of two testnet blocks (492: two transactions; 500: seven,
// so the last is paired with itself).
func TestBitcoinMerkleRoot(t *testing.T) {
	for _, tc := range []struct {
		root string
		txs  []string
	}{
		{"8a1488b7ee767f0e03840ad0eac6277762e4bba8481d38a38ed1df1d564db361", []string{
			"e788ae269c53d6968fbff98791dc33a21c5758f65c91094f81c907769bdf0a99",
			"3c5b5e142132493520fafd10989a64d42a43d94bae44dd618936667e7fd947dc"}},
		{"dd3f288510dd3b632940bd3fb1db162d3ff99b19ddb0c586cfa3ac9a76d42517", []string{
			"a647d0c4112b4727f3c856782ff6bbaf099be929b27214a8e0dfedee4383eb68",
			"24b8a4c788b8c805b810438ddd99e569e184ff20f4394ac49a6d832e69f57242",
			"c5ffd70c3bc4998465cef55ed6d5d831ab3a550406423eb611117ed8ee41c278",
			"4692772a73ea834c836915089acf97f2c790380a2b8fd32f82729da72545d8c5",
			"82d6d88081e3e0eb36730f7f3aedb17228142b9e00a6dbaab4b53b798d0742c1",
			"fc407d7a3b819daa5cf1ecc2c2a4b103c3782104d1425d170993bd534779a0da",
			"95ad3ffb2a9426d6f5f5b97a134d90153ae16c9375f74eb385f481cff2771d77"}},
	} {
		var ids [][32]byte
		for _, s := range tc.txs {
			ids = append(ids, display(t, s))
		}
		assert.Equal(t, tc.root, Display(MerkleRoot(ids)))
	}
}

func TestParseErrors(t *testing.T) {
	_, err := ParseBitcoinHeader(make([]byte, 79))
	assert.ErrorContains(t, err, "80 bytes")
	_, err = ParseDisplay("zz")
	assert.Error(t, err)
	_, err = CompactToTarget(0x04923456)
	assert.ErrorContains(t, err, "negative")
}

func TestCompactRoundTrip(t *testing.T) {
	for _, c := range []uint32{0x1d00ffff, 0x1a44b9f2, 0x1b0404cb, 0x03123456, 0x02008000} {
		target, err := CompactToTarget(c)
		require.NoError(t, err)
		assert.Equal(t, c, TargetToCompact(target), "%08x", c)
	}
	for k := 1; k <= 60; k++ {
		target := TargetForZeros(k, Hex)
		back, err := CompactToTarget(TargetToCompact(target))
		require.NoError(t, err)
		assert.Zero(t, target.Cmp(back), "2^(256-4·%d) is exact in compact form", k)
	}
}

// The puzzle: a hash below 2^(256−4k) has k leading zero hex digits, and
// one with k leading zero digits is below it.
func TestTargetMeansLeadingZeros(t *testing.T) {
	for k := 1; k <= 6; k++ {
		target := TargetForZeros(k, Hex)
		assert.Equal(t, float64(int64(1)<<(4*k)), ExpectedTries(target))
		// the first nonzero digit is digit k+1, of value 1
		var sum [32]byte
		if k%2 == 1 {
			sum[k/2] = 0x01
		} else {
			sum[k/2] = 0x10
		}
		assert.Equal(t, k, LeadingZeroHex(sum))
		assert.True(t, Below(sum, target), "k=%d: %x", k, sum)
		var just [32]byte
		if k%2 == 1 {
			just[k/2] = 0x10 // digit k is 1: only k−1 zeros
		} else {
			just[k/2-1] = 0x01
		}
		assert.Equal(t, k-1, LeadingZeroHex(just))
		assert.False(t, Below(just, target))
	}
	assert.Equal(t, 12, LeadingZeroBits([32]byte{0, 0x0f}))
	assert.Equal(t, 0, new(big.Int).Lsh(big.NewInt(1), 244).Cmp(TargetForZeros(12, Bits)))
}

// Our own header: the encoding is the documented one, and any field
// change changes the hash.
func TestHeaderEncoding(t *testing.T) {
	h := Header{Height: 2, Parent: Zero, Time: 1500, Producer: "n3", Slot: 7, Bits: 0x1f010000, Root: Zero, Nonce: 42}
	enc := h.Encode(nil)
	assert.Equal(t, 1+8+32+8+2+2+8+4+32+8, len(enc))
	assert.Equal(t, byte(Version), enc[0])
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 2}, enc[1:9])
	assert.Equal(t, []byte{0, 2, 'n', '3'}, enc[49:53])
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 42}, enc[NonceOffset(len(enc)):])
	require.NoError(t, h.Verify())
	base := h.Hash()
	assert.Len(t, base, 64)
	for _, change := range []func(*Header){
		func(h *Header) { h.Height++ }, func(h *Header) { h.Time++ }, func(h *Header) { h.Producer = "n4" },
		func(h *Header) { h.Slot++ }, func(h *Header) { h.Bits++ }, func(h *Header) { h.Nonce++ },
		func(h *Header) { h.Parent = "01" + Zero[2:] }, func(h *Header) { h.Root = Zero[2:] + "01" },
	} {
		c := h
		change(&c)
		assert.NotEqual(t, base, c.Hash())
	}
	bad := h
	bad.Root = "xyz"
	assert.ErrorContains(t, bad.Verify(), "root")
}
