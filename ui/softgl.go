package ui

import (
	"os"
	"runtime"
	"strconv"
)

// TuneSoftwareGL gives Mesa's software rasteriser (llvmpipe, what draws
// the window where there is no GPU) more threads than cores: 4 per core,
// at most 16 (llvmpipe's limit). Its default is one per core, and during
// a run the sampler holds one of them: with 2 threads on this 2-core VM
// the editor's frame took a median of 14.8 ms while sampling (`make
// bench-ui`, two runs), with 8 threads 10.9, with 4 11.7-12.2, 1 thread
// 18-19; idle frames were about the same (10-11 ms) with 2 to 8, and so
// was a run's duration with 30 frames a second drawn beside it (4.3-5.0 s
// with 8, 3.7-5.1 s with 2, six runs each). A value
// the user set in LP_NUM_THREADS is kept. It changes nothing when a GPU
// driver draws, and must run before the window's GL context is made.
func TuneSoftwareGL() {
	if _, set := os.LookupEnv("LP_NUM_THREADS"); set {
		return
	}
	os.Setenv("LP_NUM_THREADS", strconv.Itoa(softGLThreads(runtime.NumCPU())))
}

func softGLThreads(cpus int) int { return min(16, 4*max(cpus, 1)) }
