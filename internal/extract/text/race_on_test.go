//go:build race

package text_test

// raceEnabled: the race detector slows streaming tenfold; big inputs are
// left to the normal run.
const raceEnabled = true
