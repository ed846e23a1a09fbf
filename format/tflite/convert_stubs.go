package tflite

import "github.com/edgerun/edgerun/format"

// notYet is the conversion of ops whose conversions are still being written.
func notYet(c *converter, idx int, op *Operator) (format.Op, error) {
	code := c.src.OperatorCodes[op.OpcodeIndex]
	return format.Op{}, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: "conversion not implemented yet"}
}
