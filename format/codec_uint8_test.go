package format

import (
	"errors"
	"strings"
	"testing"
)

func testInt32Table() []int32 {
	t := make([]int32, 256)
	for i := range t {
		t[i] = int32(i*i*40503) - 1<<30
	}
	return t
}

// TestInt32TableParams: QUANTIZE carries a TableParams or an
// Int32TableParams (int8→int32) of exactly 256 entries; no other op takes
// an Int32TableParams.
func TestInt32TableParams(t *testing.T) {
	m := tinyModel()
	m.Ops[0].Code = OpQuantize
	m.Ops[0].Params = &Int32TableParams{Table: testInt32Table()}
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := back.Ops[0].Params.(*Int32TableParams)
	if !ok || len(p.Table) != 256 || p.Table[255] != testInt32Table()[255] || p.Table[0] != -1<<30 {
		t.Fatalf("decoded params %T %v", back.Ops[0].Params, back.Ops[0].Params)
	}
	m.Ops[0].Params = &Int32TableParams{Table: testInt32Table()[:255]}
	if err := VerifyModel(m, Limits{}); !errors.Is(err, ErrMalformedModel) || !strings.Contains(err.Error(), "255 entries") {
		t.Errorf("255 entries: %v", err)
	}
	m.Ops[0].Code = OpRelu
	m.Ops[0].Params = &Int32TableParams{Table: testInt32Table()}
	if err := VerifyModel(m, Limits{}); !errors.Is(err, ErrMalformedModel) {
		t.Errorf("RELU with Int32TableParams: %v", err)
	}
}
