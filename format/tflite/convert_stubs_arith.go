package tflite

// Placeholders, replaced by the real conversions.
var (
	convertAdd           = notYet
	convertSub           = notYet
	convertMul           = notYet
	convertPad           = notYet
	convertPadV2         = notYet
	convertConcatenation = notYet
	convertTranspose     = notYet
)
