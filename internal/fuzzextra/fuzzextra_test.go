package fuzzextra

import (
	"bytes"
	"testing"
)

func TestParse(t *testing.T) {
	data := []byte("go test fuzz v1\nuint16(513)\n[]byte(\"a\\x00\\xff\\\"\")\nbyte('\\x80')\nint(-7)\nbool(true)\nstring(\"s\")\nint32(-2147483648)\n")
	vals, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 7 || vals[0] != uint16(513) || !bytes.Equal(vals[1].([]byte), []byte("a\x00\xff\"")) ||
		vals[2] != uint8(0x80) || vals[3] != -7 || vals[4] != true || vals[5] != "s" || vals[6] != int32(-1<<31) {
		t.Fatalf("Parse = %#v", vals)
	}
	for _, bad := range []string{"", "go test fuzz v2\n", "go test fuzz v1\nuint8(256)\n", "go test fuzz v1\nfloat64(1)\n", "go test fuzz v1\n[]byte(\"x)\n", "go test fuzz v1\nint(1\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
