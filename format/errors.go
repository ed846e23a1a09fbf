package format

import (
	"errors"
	"fmt"
)

// ErrMalformedModel is matched (errors.Is) by every error reporting a model
// file that is corrupt or inconsistent.
var ErrMalformedModel = errors.New("malformed model")

// ErrUnsupportedOp is matched (errors.Is) by every error reporting an
// operator (or operator version or configuration) edgerun cannot run.
var ErrUnsupportedOp = errors.New("unsupported operator")

// MalformedError says what is wrong with a model and where: Path names the
// field, for example "subgraph 0 / op 12 CONV_2D / input 1 / buffer 7".
type MalformedError struct {
	Path string
	Msg  string
}

func (e *MalformedError) Error() string {
	if e.Path == "" {
		return "malformed model: " + e.Msg
	}
	return "malformed model: " + e.Path + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrMalformedModel) true.
func (e *MalformedError) Unwrap() error { return ErrMalformedModel }

// Malformed builds a *MalformedError with a formatted message.
func Malformed(path, format string, args ...any) error {
	return &MalformedError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// UnsupportedOpError names an operator edgerun cannot run.
type UnsupportedOpError struct {
	Op      string // operator name, for example "SVDF" or "CUSTOM(foo)"
	Version int32  // operator version in the source model, 0 if unknown
	Index   int    // op index in the source graph, -1 if unknown
	Reason  string // optional detail, for example "float32 input"
}

func (e *UnsupportedOpError) Error() string {
	s := fmt.Sprintf("unsupported operator %s", e.Op)
	if e.Version > 0 {
		s += fmt.Sprintf(" (version %d)", e.Version)
	}
	if e.Index >= 0 {
		s += fmt.Sprintf(" at op %d", e.Index)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap makes errors.Is(err, ErrUnsupportedOp) true.
func (e *UnsupportedOpError) Unwrap() error { return ErrUnsupportedOp }
