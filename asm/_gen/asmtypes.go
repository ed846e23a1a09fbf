//go:build asmtypes

package main

// The generator loads package asm's types at run time (avo's Package);
// this import, never built, keeps the module requirement and its go.sum
// entries through go mod tidy.
import _ "github.com/edgerun/edgerun/asm"
