package tflite

// Placeholders, replaced by the real conversions.
var (
	convertAveragePool2D = notYet
	convertMaxPool2D     = notYet
	convertSoftmax       = notYet
	convertMean          = notYet
)
