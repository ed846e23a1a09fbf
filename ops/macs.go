package ops

import "github.com/edgerun/edgerun/format"

// MACs returns the multiply-accumulates op i performs per Invoke (0 for ops
// without multiplications). It assumes a verified model.
func MACs(m *format.Model, i int) int64 {
	op := &m.Ops[i]
	if len(op.Outputs) == 0 || len(op.Inputs) < 2 || op.Inputs[1] < 0 {
		return 0
	}
	out := &m.Tensors[op.Outputs[0]]
	filter := &m.Tensors[op.Inputs[1]]
	switch op.Code {
	case format.OpUnidirectionalSequenceLSTM:
		// Every output element (one unit of one step): four gates, each a
		// dot product over the input and over the previous hidden state;
		// weights input_to_forget [units, inputs], recurrent_to_forget
		// [units, units].
		if len(op.Inputs) < 7 || op.Inputs[2] < 0 || op.Inputs[6] < 0 {
			return 0
		}
		w, r := &m.Tensors[op.Inputs[2]], &m.Tensors[op.Inputs[6]]
		if len(w.Shape) != 2 || len(r.Shape) != 2 {
			return 0
		}
		return out.NumElements() * 4 * (int64(w.Shape[1]) + int64(r.Shape[1]))
	case format.OpSVDF:
		// Per batch row: every filter's feature dot product over the
		// inputs and its time sum over the memory; weights_feature
		// [filters, inputs], weights_time [filters, memory].
		if len(op.Inputs) < 3 || op.Inputs[2] < 0 || len(filter.Shape) != 2 || len(out.Shape) != 2 {
			return 0
		}
		wt := &m.Tensors[op.Inputs[2]]
		if len(wt.Shape) != 2 {
			return 0
		}
		return int64(out.Shape[0]) * int64(filter.Shape[0]) * (int64(filter.Shape[1]) + int64(wt.Shape[1]))
	case format.OpConv2D:
		// Each output element: KH·KW·Cin products; filter [Cout,KH,KW,Cin].
		if len(filter.Shape) != 4 {
			return 0
		}
		return out.NumElements() * int64(filter.Shape[1]) * int64(filter.Shape[2]) * int64(filter.Shape[3])
	case format.OpDepthwiseConv2D:
		if len(filter.Shape) != 4 {
			return 0
		}
		return out.NumElements() * int64(filter.Shape[1]) * int64(filter.Shape[2])
	case format.OpFullyConnected:
		if len(filter.Shape) != 2 {
			return 0
		}
		return out.NumElements() * int64(filter.Shape[1])
	case format.OpTransposeConv:
		// Each input element meets KH·KW·Cout filter taps (those falling
		// outside the output are skipped; counted anyway, as an upper
		// bound); filter [Cout,KH,KW,Cin].
		if len(filter.Shape) != 4 || op.Inputs[0] < 0 {
			return 0
		}
		return m.Tensors[op.Inputs[0]].NumElements() * int64(filter.Shape[0]) * int64(filter.Shape[1]) * int64(filter.Shape[2])
	case format.OpBatchMatMul:
		// Each output element: K products; K is the lhs's last dimension
		// (its second-to-last with adj_x).
		lhs := &m.Tensors[op.Inputs[0]]
		r := len(lhs.Shape)
		if r < 2 {
			return 0
		}
		k := lhs.Shape[r-1]
		if p, ok := op.Params.(*format.BatchMatMulParams); ok && p.AdjX {
			k = lhs.Shape[r-2]
		}
		return out.NumElements() * int64(k)
	}
	return 0
}
