package tflite

// Placeholders, replaced by the real conversions.
var (
	convertLogistic  = notYet
	convertTanh      = notYet
	convertHardSwish = notYet
	convertLeakyRelu = notYet
	convertRelu      = notYet
	convertRelu6     = notYet
	convertReluN1To1 = notYet
	convertQuantize  = notYet
)
