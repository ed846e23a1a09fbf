// Package fuzzextra lets a fuzz target replay, as extra seed inputs, a
// corpus generated elsewhere. Go's fuzzer cannot run on an emulated
// target: its coordinator re-executes the test binary for its workers,
// which fails under qemu-user without binfmt_misc ("exec format error"),
// and coverage guidance exists only on amd64 and arm64. So CI fuzzes on
// the host for a fixed number of executions into a directory of its own
// (go test -fuzz ... -args -test.fuzzcachedir=DIR/PKG) and replays what
// the fuzzer kept on the 32-bit target with the ordinary test run
// (EDGERUN_FUZZ_EXTRA=DIR/PKG go test -run '^FuzzX$'), next to the
// target's own seeds and testdata/fuzz corpus.
package fuzzextra

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Env names the directory holding one subdirectory per fuzz target
// (FuzzX/), each with files in go test's corpus format.
const Env = "EDGERUN_FUZZ_EXTRA"

// Add adds the corpus files of $EDGERUN_FUZZ_EXTRA/<f.Name()> to f as
// seeds. Without the variable it does nothing. With it, a missing or
// empty directory or a file it cannot read fails the target: a replay that
// silently ran nothing must not pass.
func Add(f *testing.F) {
	dir := os.Getenv(Env)
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, f.Name())
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatalf("%s: %v", Env, err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		vals, err := Parse(data)
		if err != nil {
			f.Fatalf("%s: %v", filepath.Join(dir, e.Name()), err)
		}
		f.Add(vals...)
		n++
	}
	if n == 0 {
		f.Fatalf("%s: no corpus files in %s", Env, dir)
	}
	f.Logf("%d extra inputs from %s", n, dir)
}

// Parse decodes one corpus file in go test's format ("go test fuzz v1",
// then one typed value per line). It knows the types edgerun's fuzz
// targets take: []byte, string, bool and the integer types.
func Parse(data []byte) ([]any, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" {
		return nil, fmt.Errorf("not a go test fuzz v1 file")
	}
	var vals []any
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		open := strings.IndexByte(line, '(')
		if open < 0 || !strings.HasSuffix(line, ")") {
			return nil, fmt.Errorf("bad line %q", line)
		}
		typ, lit := line[:open], line[open+1:len(line)-1]
		v, err := value(typ, lit)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		vals = append(vals, v)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vals, nil
}

func value(typ, lit string) (any, error) {
	switch typ {
	case "[]byte", "string":
		s, err := strconv.Unquote(lit)
		if err != nil {
			return nil, err
		}
		if typ == "string" {
			return s, nil
		}
		return []byte(s), nil
	case "bool":
		return strconv.ParseBool(lit)
	}
	if strings.HasPrefix(lit, "'") { // byte('x') and rune('x')
		r, _, tail, err := strconv.UnquoteChar(lit[1:len(lit)-1], '\'')
		if err != nil || tail != "" {
			return nil, fmt.Errorf("bad character literal")
		}
		lit = strconv.Itoa(int(r))
	}
	bits := map[string]int{"int": 0, "int8": 8, "int16": 16, "int32": 32, "rune": 32, "int64": 64,
		"uint": 0, "uint8": 8, "byte": 8, "uint16": 16, "uint32": 32, "uint64": 64}
	size, ok := bits[typ]
	if !ok {
		return nil, fmt.Errorf("type %s not supported", typ)
	}
	if strings.HasPrefix(typ, "u") || typ == "byte" {
		u, err := strconv.ParseUint(lit, 0, max(size, strconv.IntSize))
		if err != nil {
			return nil, err
		}
		switch typ {
		case "uint":
			if u > uint64(^uint(0)) {
				return nil, fmt.Errorf("out of range")
			}
			return uint(u), nil
		case "uint8", "byte":
			return uint8(u), checkU(u, 8)
		case "uint16":
			return uint16(u), checkU(u, 16)
		case "uint32":
			return uint32(u), checkU(u, 32)
		}
		return u, nil
	}
	i, err := strconv.ParseInt(lit, 0, 64)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "int":
		return int(i), checkI(i, strconv.IntSize)
	case "int8":
		return int8(i), checkI(i, 8)
	case "int16":
		return int16(i), checkI(i, 16)
	case "int32", "rune":
		return int32(i), checkI(i, 32)
	}
	return i, nil
}

func checkU(u uint64, bits int) error {
	if u>>bits != 0 {
		return fmt.Errorf("%d does not fit %d bits", u, bits)
	}
	return nil
}

func checkI(i int64, bits int) error {
	if bits < 64 && (i < -1<<(bits-1) || i >= 1<<(bits-1)) {
		return fmt.Errorf("%d does not fit %d bits", i, bits)
	}
	return nil
}
