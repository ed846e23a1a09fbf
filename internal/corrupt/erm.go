package corrupt

import "github.com/edgerun/edgerun/format"

// EncodeERM writes m as an edgerun model file (format version
// format.Version) without checking it, so that the corpus can hold files
// with any content. Params that are nil pointers or of an unknown type are
// written as absent.
func EncodeERM(m *format.Model) []byte { return format.EncodeUnverified(m, format.Version) }

// EncodeERMVersion is EncodeERM with an explicit format version.
func EncodeERMVersion(m *format.Model, version uint32) []byte {
	return format.EncodeUnverified(m, version)
}
