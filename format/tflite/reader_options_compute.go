package tflite

// Option tables of the arithmetic operators of issue 16.

const (
	optDiv            = 29
	optL2Norm         = 12
	optCumSum         = 102
	optResizeBilinear = 15
	optBatchMatMul    = 101
)

// L2NormOptions: L2_NORMALIZATION's fused activation.
type L2NormOptions struct {
	FusedActivation Activation
}

// DivOptions: DIV's fused activation.
type DivOptions struct {
	FusedActivation Activation
}

// CumsumOptions: CUMSUM's flags.
type CumsumOptions struct {
	Exclusive, Reverse bool
}

// ResizeBilinearOptions: RESIZE_BILINEAR's flags.
type ResizeBilinearOptions struct {
	AlignCorners, HalfPixelCenters bool
}

// BatchMatMulOptions: BATCH_MATMUL's transposition flags.
type BatchMatMulOptions struct {
	AdjX, AdjY bool
}

// parseComputeOptions decodes the option tables this file adds, or
// returns nil for other types.
func parseComputeOptions(r *optReader, typ uint8) any {
	switch typ {
	case optDiv:
		return &DivOptions{FusedActivation: r.activation(0)}
	case optCumSum:
		return &CumsumOptions{Exclusive: r.boolean(0, "exclusive", false), Reverse: r.boolean(1, "reverse", false)}
	case optResizeBilinear:
		return &ResizeBilinearOptions{AlignCorners: r.boolean(2, "align_corners", false), HalfPixelCenters: r.boolean(3, "half_pixel_centers", false)}
	case optBatchMatMul:
		return &BatchMatMulOptions{AdjX: r.boolean(0, "adj_x", false), AdjY: r.boolean(1, "adj_y", false)}
	case optL2Norm:
		return &L2NormOptions{FusedActivation: r.activation(0)}
	}
	return nil
}

func init() {
	optionsFor[OpDiv] = optDiv
	optionsFor[OpL2Normalization] = optL2Norm
	optionsFor[OpCumSum] = optCumSum
	optionsFor[OpResizeBilinear] = optResizeBilinear
	optionsFor[OpBatchMatMul] = optBatchMatMul
}
