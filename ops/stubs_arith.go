package ops

import "github.com/edgerun/edgerun/format"

// Placeholders, replaced by the real kernels.
func prepareAdd(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareSub(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareMul(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func preparePad(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
func prepareConcatenation(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return notYet(op)
}
func prepareTranspose(m *format.Model, op *format.Op, path string) (Kernel, error) { return notYet(op) }
