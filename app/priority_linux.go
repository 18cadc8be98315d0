package app

import "syscall"

// workerNice is how much lower than the UI the worker thread runs: the
// sampler takes whatever CPU the window does not need to draw (without a
// GPU, the window's rendering is CPU work too), so frames stay smooth
// while a run goes on, and a run still gets an idle core in full.
const workerNice = 10

// lowerThreadPriority lowers the calling OS thread's priority (Linux
// niceness is per thread); the caller has locked its goroutine to it.
// It returns the error of setpriority, if any: running at normal
// priority is not worth failing a run for.
func lowerThreadPriority() error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), workerNice)
}
