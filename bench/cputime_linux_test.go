package bench

import (
	goruntime "runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU returns the calling thread's CPU time, and whether it could be
// read. CLOCK_THREAD_CPUTIME_ID is the scheduler's exact runtime of the
// thread; getrusage(RUSAGE_THREAD), used before, splits that total by
// tick samples, which made the per-Invoke figures of BenchmarkUint8Pair
// swing 0.8-1.4x between runs while their sum stayed put.
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func lockThread()   { goruntime.LockOSThread() }
func unlockThread() { goruntime.UnlockOSThread() }
