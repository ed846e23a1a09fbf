package tflite

// Option table of UNIDIRECTIONAL_SEQUENCE_LSTM (issue 13).

const (
	// OpUnidirectionalSequenceLSTM is the schema's builtin 44.
	OpUnidirectionalSequenceLSTM  BuiltinOperator = 44
	optUnidirectionalSequenceLSTM                 = 71
)

// UnidirectionalSequenceLSTMOptions: the cell gate's activation (the
// integer kernel supports TANH), the cell and projection clips, the
// input layout and flags the integer kernel does not use.
type UnidirectionalSequenceLSTMOptions struct {
	FusedActivation          Activation
	CellClip, ProjClip       float32
	TimeMajor                bool
	AsymmetricQuantizeInputs bool
	DiagonalRecurrentTensors bool
}

func parseLSTMOptions(r *optReader, typ uint8) any {
	if typ != optUnidirectionalSequenceLSTM {
		return nil
	}
	return &UnidirectionalSequenceLSTMOptions{
		FusedActivation:          r.activation(0),
		CellClip:                 r.f32(1, "cell_clip", 0),
		ProjClip:                 r.f32(2, "proj_clip", 0),
		TimeMajor:                r.boolean(3, "time_major", false),
		AsymmetricQuantizeInputs: r.boolean(4, "asymmetric_quantize_inputs", false),
		DiagonalRecurrentTensors: r.boolean(5, "diagonal_recurrent_tensors", false),
	}
}

func init() {
	optionsFor[OpUnidirectionalSequenceLSTM] = optUnidirectionalSequenceLSTM
}
