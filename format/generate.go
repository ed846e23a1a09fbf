package format

// The Go code in format/fb is generated from edgerun.fbs by flatc, the
// FlatBuffers compiler, and committed so that building edgerun never needs
// flatc. After editing edgerun.fbs, regenerate it with
//
//	go generate ./format
//
// flatc comes from Debian/Ubuntu's flatbuffers-compiler package
// (`apt-get install flatbuffers-compiler`; the committed code was generated
// by flatc 2.0.8). The generated code uses the runtime library
// github.com/google/flatbuffers/go (see go.mod).
//
// The generated accessors do no bounds checking: never call them on a buffer
// that verifyBuffer has not accepted (Decode does this).

//go:generate sh -c "rm -rf fb && flatc --go -o . edgerun.fbs && gofmt -w fb"
