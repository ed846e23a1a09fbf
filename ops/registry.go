package ops

import "github.com/edgerun/edgerun/format"

// preparers lists the kernel of every op code edgerun runs.
var preparers = map[format.OpCode]preparer{
	format.OpConv2D:          prepareConv2D,
	format.OpDepthwiseConv2D: prepareDepthwiseConv2D,
	format.OpFullyConnected:  prepareFullyConnected,
	format.OpAdd:             prepareAdd,
	format.OpSub:             prepareSub,
	format.OpMul:             prepareMul,
	format.OpAveragePool2D:   prepareAveragePool2D,
	format.OpMaxPool2D:       prepareMaxPool2D,
	format.OpSoftmax:         prepareSoftmax,
	format.OpLogistic:        prepareTable,
	format.OpTanh:            prepareTable,
	format.OpHardSwish:       prepareTable,
	format.OpLeakyRelu:       prepareTable,
	format.OpRelu:            prepareTable,
	format.OpRelu6:           prepareTable,
	format.OpReluN1To1:       prepareTable,
	format.OpQuantize:        prepareQuantize,
	format.OpPad:             preparePad,
	format.OpPadV2:           preparePad,
	format.OpMean:            prepareMean,
	format.OpConcatenation:   prepareConcatenation,
	format.OpReshape:         prepareReshape,
	format.OpTranspose:       prepareTranspose,
	format.OpSVDF:            prepareSVDF,
	format.OpTransposeConv:   prepareTransposeConv,
}

func init() {
	for code, p := range movementPreparers {
		preparers[code] = p
	}
}
