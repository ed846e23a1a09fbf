package ops

import "github.com/edgerun/edgerun/format"

// notYet is the kernel of ops whose kernels are still being written.
func notYet(op *format.Op) (Kernel, error) {
	return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: "kernel not implemented yet"}
}
