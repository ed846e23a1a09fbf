# Static, cross-compiled edgerun binaries (pure Go, no cgo):
#   make dist      → dist/edgerun-linux-{arm64,armv7,riscv64,amd64}
# Copy one to a board and run, with nothing else installed:
#   ./edgerun-linux-arm64 bench model.tflite

VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      ?= go

.PHONY: dist test clean
dist:
	mkdir -p dist
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64   $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/edgerun-linux-arm64   ./cmd/edgerun
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/edgerun-linux-armv7 ./cmd/edgerun
	CGO_ENABLED=0 GOOS=linux GOARCH=riscv64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/edgerun-linux-riscv64 ./cmd/edgerun
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64   $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/edgerun-linux-amd64   ./cmd/edgerun
	@ls -l dist

test:
	$(GO) test ./...

clean:
	rm -rf dist
