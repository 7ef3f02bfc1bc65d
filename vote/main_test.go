package vote_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The conformance suite calls strategies from goroutines; none may outlive
// a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
