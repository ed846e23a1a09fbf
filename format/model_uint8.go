package format

// Int32TableParams serves QUANTIZE int8→int32: Table[x+128] is the int32
// output for int8 input x (TFLite's Requantize run on all 256 inputs by the
// converter).
type Int32TableParams struct {
	Table []int32 // len 256
}

func (*Int32TableParams) isOpParams() {}
