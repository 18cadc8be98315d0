package app

import (
	"syscall"
	"unsafe"
)

// The worker thread runs under SCHED_IDLE: the sampler gets only the CPU
// time the window does not want (without a GPU the window's rendering is
// CPU work too, on the same cores), and a run still gets an idle core in
// full. Against nice 10, the editor's frame during a run went from a
// median of 20.5-23.5 ms to 16.2-19.4 ms (`make bench-ui`, four runs each,
// this 2-core VM). The cost: a run waits for any other busy program on
// the machine, however low its priority. Where SCHED_IDLE is refused, the
// thread gets nice 19 instead.
const schedIdle = 5 // SCHED_IDLE, linux/sched.h

// lowerThreadPriority lowers the calling OS thread's priority (Linux
// scheduling is per thread); the caller has locked its goroutine to it.
// It returns the error of the fallback setpriority, if any: running at
// normal priority is not worth failing a run for.
func lowerThreadPriority() error {
	var param struct{ priority int32 }
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(syscall.Gettid()), schedIdle,
		uintptr(unsafe.Pointer(&param)))
	if e == 0 {
		return nil
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}
