package ops

import "github.com/edgerun/edgerun/format"

// Stubs for kernels not written yet; each is replaced by its own file.

func notYet(op *format.Op) (Kernel, error) {
	return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: "kernel not implemented yet"}
}

func prepareConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareDepthwiseConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareFullyConnected(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareAdd(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareSub(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareMul(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareAveragePool2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareMaxPool2D(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareSoftmax(m *format.Model, op *format.Op, path string) (Kernel, error)   { return notYet(op) }
func preparePad(m *format.Model, op *format.Op, path string) (Kernel, error)       { return notYet(op) }
func prepareMean(m *format.Model, op *format.Op, path string) (Kernel, error)      { return notYet(op) }
func prepareConcatenation(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareTranspose(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
