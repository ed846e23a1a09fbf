package ops

import "github.com/edgerun/edgerun/format"

// preparers lists the kernel of every op code edgerun runs.
var preparers = map[format.OpCode]preparer{
	format.OpConv2D:                     prepareConv2D,
	format.OpDepthwiseConv2D:            prepareDepthwiseConv2D,
	format.OpFullyConnected:             prepareFullyConnected,
	format.OpAdd:                        prepareAdd,
	format.OpSub:                        prepareSub,
	format.OpMul:                        prepareMul,
	format.OpAveragePool2D:              prepareAveragePool2D,
	format.OpMaxPool2D:                  prepareMaxPool2D,
	format.OpSoftmax:                    prepareSoftmax,
	format.OpLogistic:                   prepareTable,
	format.OpTanh:                       prepareTable,
	format.OpHardSwish:                  prepareTable,
	format.OpLeakyRelu:                  prepareTable,
	format.OpRelu:                       prepareTable,
	format.OpRelu6:                      prepareTable,
	format.OpReluN1To1:                  prepareTable,
	format.OpQuantize:                   prepareQuantize,
	format.OpPad:                        preparePad,
	format.OpPadV2:                      preparePad,
	format.OpMean:                       prepareMean,
	format.OpConcatenation:              prepareConcatenation,
	format.OpReshape:                    prepareReshape,
	format.OpTranspose:                  prepareTranspose,
	format.OpSVDF:                       prepareSVDF,
	format.OpUnidirectionalSequenceLSTM: prepareLSTM,
	format.OpTransposeConv:              prepareTransposeConv,
	// Arithmetic, comparison and reduction ops (issue 16).
	format.OpMinimum:           prepareMinimum,
	format.OpMaximum:           prepareMaximum,
	format.OpArgMax:            prepareArgMax,
	format.OpArgMin:            prepareArgMin,
	format.OpCast:              prepareCast,
	format.OpPRelu:             preparePRelu,
	format.OpDiv:               prepareDiv,
	format.OpEqual:             prepareComparison(cmpEqual),
	format.OpNotEqual:          prepareComparison(cmpNotEqual),
	format.OpLess:              prepareComparison(cmpLess),
	format.OpLessEqual:         prepareComparison(cmpLessEqual),
	format.OpGreater:           prepareComparison(cmpGreater),
	format.OpGreaterEqual:      prepareComparison(cmpGreaterEqual),
	format.OpSquaredDifference: prepareComparison(cmpSquaredDifference),
	format.OpSelectV2:          prepareSelectV2,
	format.OpAbs:               prepareAbs,
	format.OpElu:               prepareTable,
	format.OpRsqrt:             prepareTable,
	format.OpReduceMax:         prepareReduceMax,
	format.OpReduceMin:         prepareReduceMin,
	format.OpSum:               prepareSum,
	format.OpAddN:              prepareAddN,
	format.OpL2Normalization:   prepareL2Norm,
	format.OpCumSum:            prepareCumSum,
	format.OpResizeBilinear:    prepareResizeBilinear,
	format.OpLogSoftmax:        prepareLogSoftmax,
	format.OpBatchMatMul:       prepareBatchMatMul,
}

func init() {
	for code, p := range movementPreparers {
		preparers[code] = p
	}
}
