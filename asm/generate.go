package asm

// The kernels' assembly is generated; after changing a generator, run
// "go generate ./asm" (on any host) and commit the generated files.
// TestGeneratedArm64UpToDate and TestGeneratedAmd64UpToDate
// (generate_test.go) fail when they are stale.
//
// amd64: asm/_gen (its own module, so that avo is no dependency of this
// one) writes kernels_amd64.s and their Go declarations kernels_amd64.go,
// reading the kernels' argument structs (gemm_amd64.go, depthwise_amd64.go,
// add_amd64.go, copy_amd64.go) from this package with avo's Package.
//go:generate go run -C _gen . -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg asm

// arm64: gen_arm64.go writes every *_arm64.s.
//go:generate go run gen_arm64.go -dir .
