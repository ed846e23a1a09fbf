//go:build !race

package main

// raceDetector reports a -race build (see TestCorruptFiles).
const raceDetector = false
