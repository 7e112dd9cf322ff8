package verify_test

import "os"

// tempDir is a folder for the benchmark's catalog, shared by the
// benchmarks of one run (testing.B's TempDir would rebuild it per
// benchmark); it is removed when the process ends via TestMain.
func tempDir() (string, error) {
	d, err := os.MkdirTemp("", "trove-verify-bench-")
	if err == nil {
		benchDirs = append(benchDirs, d)
	}
	return d, err
}

var benchDirs []string
