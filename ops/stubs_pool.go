package ops

import "github.com/edgerun/edgerun/format"

// Placeholders, replaced by the real kernels.
func prepareAveragePool2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareMaxPool2D(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareSoftmax(m *format.Model, op *format.Op, path string) (Kernel, error)   { return notYet(op) }
func prepareMean(m *format.Model, op *format.Op, path string) (Kernel, error)      { return notYet(op) }
