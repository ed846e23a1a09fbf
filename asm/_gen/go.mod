module github.com/edgerun/edgerun/asm/_gen

go 1.24.0

require github.com/mmcloughlin/avo v0.6.0

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/mod v0.27.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/tools v0.36.0 // indirect
)

require github.com/edgerun/edgerun v0.0.0

// The generator reads package asm's Go types (avo's Package) from this
// checkout.
replace github.com/edgerun/edgerun => ../..
