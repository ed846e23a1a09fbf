//go:build !purego

package asm

// timeDotNeon and timeDot8Neon (timedot_arm64.s, written by gen_arm64.go)
// set t[f] = Σ_j w[f][j]·s[f][j] − off[f] for 4·groups filters from the
// packed weights w, the int16 (int8) state rows ss bytes apart.
//
//go:noescape
func timeDotNeon(w *int16, s *int16, t *int32, off *int32, groups int, chunks int, ss int)

//go:noescape
func timeDot8Neon(w *int16, s *int8, t *int32, off *int32, groups int, chunks int, ss int)

// timeDots16Neon is Impl.timeDots16 on arm64.
func timeDots16Neon(tw *TimeWeights, s []int16, t []int32, groups int) {
	_ = t[4*groups-1]
	timeDotNeon(&tw.packed[0], &s[0], &t[0], &tw.off[0], groups, tw.chunks, 2*tw.memory)
}

// timeDots8Neon is Impl.timeDots8 on arm64.
func timeDots8Neon(tw *TimeWeights, s []int8, t []int32, groups int) {
	_ = t[4*groups-1]
	timeDot8Neon(&tw.packed[0], &s[0], &t[0], &tw.off[0], groups, tw.chunks, tw.memory)
}
