package labkit

import "sync"

// ResetForTest forgets the lab read from the working directory and the
// artifacts folder, for tests that change either.
func ResetForTest() {
	labOnce = sync.Once{}
	labInfo, labErr = nil, nil
	artifactsOnce = sync.Once{}
	artifactsDir, artifactsErr = "", nil
}
