package report

import "io"

// ReadTrajectory reads a trajectory as Load does, for the fuzz test.
func ReadTrajectory(r io.Reader) (*Trajectory, error) {
	t := &Trajectory{}
	return t, t.read(r)
}

var Bound = bound

// SetMaxKept sets the text kept of one trajectory until restore.
func SetMaxKept(n int) (restore func()) {
	old := maxKept
	maxKept = n
	return func() { maxKept = old }
}
