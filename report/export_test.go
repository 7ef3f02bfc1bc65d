package report

import "io"

// ReadTrajectory reads a trajectory as Load does, for the fuzz test.
func ReadTrajectory(r io.Reader) (*Trajectory, error) {
	t := &Trajectory{}
	return t, t.read(r)
}

var Bound = bound
