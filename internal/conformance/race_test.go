//go:build race

package conformance

// raceEnabled: the spec suites run in other processes, which -race does
// not instrument; TestSpecSuites leaves -race runs to the plain one.
const raceEnabled = true
