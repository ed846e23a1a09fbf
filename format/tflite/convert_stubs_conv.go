package tflite

// Placeholders, replaced by the real conversions.
var (
	convertConv2D          = notYet
	convertDepthwiseConv2D = notYet
	convertFullyConnected  = notYet
)
