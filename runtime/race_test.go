//go:build race

package runtime_test

// raceEnabled is true under -race, which slows mongotest and the driver
// about ninefold; long tests scale down with it.
const raceEnabled = true
