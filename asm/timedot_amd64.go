//go:build !purego

package asm

// timeDotArgs is one call of the amd64 time-step kernels
// (timeDotAVX2Kernel, timeDot8AVX2Kernel; _gen/timedot.go): groups whole
// groups of four filters from the packed weights w and the state (s16 or
// s8, ss bytes between filters' rows), t and off advancing four a group.
type timeDotArgs struct {
	w      *int16
	s16    *int16
	s8     *int8
	t      *int32
	off    *int32
	groups int
	chunks int
	ss     int
}

// timeDots16AVX2 is Impl.timeDots16 on amd64 (AVX2).
func timeDots16AVX2(tw *TimeWeights, s []int16, t []int32, groups int) {
	_ = t[4*groups-1]
	timeDotAVX2Kernel(&timeDotArgs{w: &tw.packed[0], s16: &s[0], t: &t[0], off: &tw.off[0],
		groups: groups, chunks: tw.chunks, ss: 2 * tw.memory})
}

// timeDots8AVX2 is Impl.timeDots8 on amd64 (AVX2).
func timeDots8AVX2(tw *TimeWeights, s []int8, t []int32, groups int) {
	_ = t[4*groups-1]
	timeDot8AVX2Kernel(&timeDotArgs{w: &tw.packed[0], s8: &s[0], t: &t[0], off: &tw.off[0],
		groups: groups, chunks: tw.chunks, ss: tw.memory})
}
