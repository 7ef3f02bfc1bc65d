package think_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/think"
)

func TestOrderKeys(t *testing.T) {
	assert.Equal(t, tools.Exclusive, think.NewTaskDone(nil).OrderKey(nil))
	seq := think.NewSequential()
	assert.Equal(t, seq.OrderKey([]byte(`{"thought":"a"}`)), seq.OrderKey([]byte(`{"thought":"b"}`)))
	assert.NotEmpty(t, seq.OrderKey(nil))
}
