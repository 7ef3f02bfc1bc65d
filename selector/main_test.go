package selector_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Stages call judges, verifiers and test runners from goroutines; none may
// outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
