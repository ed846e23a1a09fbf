package bench

import (
	goruntime "runtime"
	"syscall"
	"time"
)

const rusageThread = 1 // RUSAGE_THREAD

// threadCPU returns the calling thread's CPU time (user + system), and
// whether it could be read.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

func lockThread()   { goruntime.LockOSThread() }
func unlockThread() { goruntime.UnlockOSThread() }
