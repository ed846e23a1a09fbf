//go:build purego || !(amd64 || arm64)

package asm

// gemm16Call: this build has only the generic kernels.
func gemm16Call(kind int, p *gemm16Args) { gemm16Generic(p) }

// dw16Call: this build has only the generic kernels.
func dw16Call(kind int, p *dw16Args) { dw16Generic(p) }

// requant16Call: this build keeps Requant16 in Go (reports false).
func requant16Call(kind int, p *rq16Args) bool { return false }

// dw16PairsCall: no pairs kernel in this build (gemm16Impl.dwPairs is
// never set).
func dw16PairsCall(kind int, p *dw16Args) { dw16Generic(p) }
