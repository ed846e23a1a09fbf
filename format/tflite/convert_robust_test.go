package tflite

import (
	"errors"
	"testing"
	"time"

	"github.com/edgerun/edgerun/format"
)

// convertWithin runs Convert with a deadline, so that a conversion that
// loops fails the test instead of hanging it.
func convertWithin(t *testing.T, m *Model) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Convert(m)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Convert did not return within 10 s")
		return nil
	}
}

// TestConvertReshapeCycles: RESHAPEs whose views would form a cycle (an
// output that is its own input, or two RESHAPEs writing each other's
// inputs) are malformed. Convert used to loop forever resolving such a
// view to its root.
func TestConvertReshapeCycles(t *testing.T) {
	build := func(ops [][2]int32) *Model {
		b := newArithSrc()
		a := b.int8s([]int32{1, 4}, 0.5, 0)
		c := b.int8s([]int32{4, 1}, 0.5, 0)
		_ = c
		sg := &b.m.Subgraphs[0]
		b.m.OperatorCodes = []OperatorCode{{BuiltinCode: OpReshape, Version: 1}}
		for _, io := range ops {
			sg.Operators = append(sg.Operators, Operator{Inputs: []int32{io[0]}, Outputs: []int32{io[1]}, Options: &ReshapeOptions{}})
		}
		sg.Inputs, sg.Outputs = []int32{a}, []int32{a}
		return b.m
	}
	for name, ops := range map[string][][2]int32{
		"self":              {{0, 0}},
		"two-cycle":         {{0, 1}, {1, 0}},
		"written twice":     {{0, 1}, {0, 1}},
		"later self":        {{0, 1}, {1, 1}},
		"back to the input": {{1, 0}, {0, 1}},
	} {
		err := convertWithin(t, build(ops))
		if !errors.Is(err, format.ErrMalformedModel) {
			t.Errorf("%s: %v, want ErrMalformedModel", name, err)
		}
	}
}
