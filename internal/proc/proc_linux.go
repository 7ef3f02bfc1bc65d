package proc

import (
	"os"
	"strconv"
)

// sessionGroups returns the process groups of the live processes of session
// sid, read from /proc. Zombies are dead and left out.
func sessionGroups(sid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var groups []int
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		state, pgrp, session, ok := parseStat(stat)
		if ok && session == sid && state != 'Z' && state != 'X' {
			groups = append(groups, pgrp)
		}
	}
	return groups, nil
}

// Stat returns the state, process group and session of process pid.
func Stat(pid int) (state byte, pgrp, session int, err error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	state, pgrp, session, ok := parseStat(stat)
	if !ok {
		return 0, 0, 0, os.ErrInvalid
	}
	return state, pgrp, session, nil
}
