module github.com/edgerun/edgerun

go 1.24.0

require (
	github.com/google/flatbuffers v25.12.19+incompatible
	github.com/klauspost/cpuid/v2 v2.4.2
	golang.org/x/arch v0.24.0
)

require golang.org/x/sys v0.41.0
