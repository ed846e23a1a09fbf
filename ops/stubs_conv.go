package ops

import "github.com/edgerun/edgerun/format"

// Placeholders, replaced by the real kernels.
func prepareConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareDepthwiseConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareFullyConnected(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
