package bash

import (
	"bytes"
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

// parseStat reads the state, process group and session from the text of
// /proc/<pid>/stat: "pid (comm) state ppid pgrp session ...". comm may hold
// spaces and parentheses, so the fields are counted from its last ")".
func parseStat(stat []byte) (state byte, pgrp, session int, ok bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 4 || len(f[0]) != 1 {
		return 0, 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(string(f[2]))
	session, err2 := strconv.Atoi(string(f[3]))
	return f[0][0], pgrp, session, err1 == nil && err2 == nil
}
