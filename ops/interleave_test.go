package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// interleaveWords and deinterleave against the index definition, every
// stream count and element size they take, lengths across the word steps
// and the tail; nothing written past the rows.
func TestInterleaveWords(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 3))
	for _, n := range []int{2, 3, 4} {
		for _, e := range []int{1, 2, 4} {
			if n == 3 && e != 1 {
				continue // three streams: bytes only
			}
			if !interleaves(n, e) {
				t.Fatalf("interleaves(%d, %d) = false", n, e)
			}
			for rows := 0; rows < 40; rows++ {
				var ins, back [4][]int8
				for i := 0; i < n; i++ {
					ins[i] = Int8s(randBytes(r, rows*e))
					back[i] = make([]int8, rows*e, rows*e+8)
				}
				want := make([]int8, rows*n*e)
				for j := 0; j < rows; j++ {
					for i := 0; i < n; i++ {
						for b := 0; b < e; b++ {
							want[(j*n+i)*e+b] = ins[i][j*e+b]
						}
					}
				}
				buf := make([]int8, len(want)+8)
				for i := range buf {
					buf[i] = 0x5a
				}
				out := buf[:len(want)]
				interleaveWords(out, &ins, n, e, rows)
				for i := range want {
					if out[i] != want[i] {
						t.Fatalf("interleave %d streams of %d-byte elements, %d rows: byte %d = %d, want %d", n, e, rows, i, out[i], want[i])
					}
				}
				for _, g := range buf[len(want):] {
					if g != 0x5a {
						t.Fatalf("interleave %d×%d, %d rows: wrote past the output", n, e, rows)
					}
				}
				deinterleave(&back, want, n, e, rows)
				for i := 0; i < n; i++ {
					if !bytes.Equal(bytesOf(back[i]), bytesOf(ins[i])) {
						t.Fatalf("deinterleave %d×%d, %d rows: stream %d = %v, want %v", n, e, rows, i, back[i], ins[i])
					}
					for _, g := range back[i][len(back[i]):cap(back[i])] {
						if g != 0 {
							t.Fatalf("deinterleave %d×%d, %d rows: wrote past stream %d", n, e, rows, i)
						}
					}
				}
			}
		}
	}
	for _, c := range [][2]int{{1, 1}, {3, 2}, {3, 4}, {2, 3}, {2, 8}, {4, 8}, {5, 2}} {
		if interleaves(c[0], c[1]) {
			t.Errorf("interleaves(%d, %d) = true", c[0], c[1])
		}
	}
}

// PACK and UNPACK along the last axis through the kernels, on rows long
// enough for the word path: an UNPACK of a PACK gives the inputs back, and
// the PACK matches the index definition.
func TestPackUnpackLastAxisWords(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 6))
	for _, dt := range []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32} {
		es := dt.Size()
		for _, n := range []int{2, 3, 4} {
			shape := []int32{3, int32(5 + r.IntN(30))}
			oshape := append(append([]int32(nil), shape...), int32(n))
			ins := make([]mvTensor, n)
			outs := make([]mvTensor, n)
			data := make([][]byte, n)
			for i := range ins {
				ins[i] = mvTensor{dt: dt, shape: shape}
				outs[i] = ins[i]
				data[i] = randBytes(r, product(shape)*es)
			}
			want := make([]byte, 0, n*len(data[0]))
			for j := 0; j < product(shape); j++ {
				for i := 0; i < n; i++ {
					want = append(want, data[i][j*es:(j+1)*es]...)
				}
			}
			p := &format.ConcatenationParams{Axis: 2}
			got, err := runMove(t, mvModel(format.OpPack, p, ins, []mvTensor{{dt: dt, shape: oshape}}), data...)
			if err != nil || !bytes.Equal(got[0], want) {
				t.Fatalf("pack %d×%v %s: got %v, want %v (%v)", n, shape, dt, got[0], want, err)
			}
			back, err := runMove(t, mvModel(format.OpUnpack, p, []mvTensor{{dt: dt, shape: oshape}}, outs), want)
			if err != nil {
				t.Fatal(err)
			}
			for i := range back {
				if !bytes.Equal(back[i], data[i]) {
					t.Fatalf("unpack %v %s: output %d = %v, want %v", oshape, dt, i, back[i], data[i])
				}
			}
		}
	}
}
