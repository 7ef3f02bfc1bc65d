package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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

// Cgroups returns nil when [Start] gives each session a cgroup of its own,
// or the reason it cannot: no cgroup v2 hierarchy, one mounted read-only,
// no write access to this process's cgroup, or a kernel without
// cgroup.kill (before 5.14).
func Cgroups() error {
	_, err := cgroupParent()
	return err
}

// cgroupParent is the cgroup v2 directory of this process, under which
// sessions get their cgroups, found once.
var cgroupParent = sync.OnceValues(func() (string, error) {
	dir, err := ownCgroup()
	if err != nil {
		return "", fmt.Errorf("proc: no cgroup for sessions: %w", err)
	}
	if err := syscall.Access(filepath.Join(dir, "cgroup.procs"), 2 /* W_OK */); err != nil {
		return "", fmt.Errorf("proc: no cgroup for sessions: %s is not writable by this process: %w", dir, err)
	}
	// A probe: the root cgroup has no cgroup.kill, so look in a child.
	probe := filepath.Join(dir, fmt.Sprintf("conclave-%d-probe", os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil {
		return "", fmt.Errorf("proc: no cgroup for sessions: %w", err)
	}
	_, err = os.Stat(filepath.Join(probe, "cgroup.kill"))
	os.Remove(probe)
	if err != nil {
		return "", fmt.Errorf("proc: no cgroup for sessions: the kernel has no cgroup.kill (Linux 5.14 or later has): %w", err)
	}
	return dir, nil
})

// ownCgroup returns the directory of this process's cgroup in the cgroup
// v2 hierarchy, from /proc/self/cgroup and /proc/self/mountinfo.
func ownCgroup() (string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	var path string
	for line := range strings.Lines(string(data)) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "0::"); ok {
			path = p
		}
	}
	if path == "" {
		return "", errors.New("this process is in no cgroup v2")
	}
	mounts, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer mounts.Close()
	sc := bufio.NewScanner(mounts)
	for sc.Scan() {
		// id parent major:minor root mountpoint options ... - fstype source superoptions
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 6 || sep+1 >= len(f) || f[sep+1] != "cgroup2" {
			continue
		}
		if !strings.Contains(","+f[5]+",", ",rw,") {
			return "", fmt.Errorf("the cgroup v2 hierarchy at %s is mounted read-only", f[4])
		}
		rel, ok := strings.CutPrefix(path, f[3])
		if !ok {
			continue
		}
		return filepath.Join(f[4], rel), nil
	}
	return "", errors.New("no cgroup v2 hierarchy is mounted")
}

var cgroupSeq atomic.Int64

// newCgroup creates a cgroup for a new session and opens it for
// clone(CLONE_INTO_CGROUP).
func newCgroup() (string, *os.File, error) {
	parent, err := cgroupParent()
	if err != nil {
		return "", nil, err
	}
	var dir string
	for range 10 { // a process that had this pid may have left its cgroups behind
		dir = filepath.Join(parent, fmt.Sprintf("conclave-%d-%d", os.Getpid(), cgroupSeq.Add(1)))
		if err = os.Mkdir(dir, 0o755); !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", nil, err
	}
	fd, err := os.Open(dir)
	if err != nil {
		os.Remove(dir)
		return "", nil, err
	}
	return dir, fd, nil
}

func useCgroup(cmd *exec.Cmd, fd *os.File) {
	cmd.SysProcAttr.UseCgroupFD = true
	cmd.SysProcAttr.CgroupFD = int(fd.Fd())
}

// killCgroup kills every process in the cgroup at dir, waits until none is
// left and removes it. Exited processes leave their cgroup at once, before
// they are reaped.
func killCgroup(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // removed by an earlier Kill
		}
		return fmt.Errorf("proc: killing cgroup %s: %w", dir, err)
	}
	for range 2000 {
		events, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		if err != nil {
			return fmt.Errorf("proc: killing cgroup %s: %w", dir, err)
		}
		if bytes.Contains(events, []byte("populated 0")) {
			return os.Remove(dir)
		}
		time.Sleep(500 * time.Microsecond)
	}
	return fmt.Errorf("proc: processes of cgroup %s survive cgroup.kill", dir)
}
