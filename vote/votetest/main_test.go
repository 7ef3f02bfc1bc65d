package votetest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestStrategy calls strategies from goroutines; none may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
