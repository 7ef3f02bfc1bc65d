package gitx_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/internal/gitx"
)

// helperEnv, when set, makes the test binary a process that makes a
// worktree (of the repository and under the directory the variable
// names, "repo|dir"), prints its directory and waits to be killed: a
// process that dies without closing its worktree.
const helperEnv = "GITX_TEST_CRASHING_OWNER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		crashingOwner(spec)
		return
	}
	goleak.VerifyTestMain(m)
}

func crashingOwner(spec string) {
	repo, dir, _ := strings.Cut(spec, "|")
	w, err := gitx.AddWorktree(context.Background(), repo, "HEAD", &gitx.WorktreeOptions{Dir: dir, Label: "crash"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(w.Dir)
	os.Stdin.Read(make([]byte, 1)) // blocks until killed: the parent never writes
}
