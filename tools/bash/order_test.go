package bash

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/tools"
)

func TestOrderKeyIsExclusive(t *testing.T) {
	sh, _ := newShell(t, nil)
	assert.Equal(t, tools.Exclusive, sh.OrderKey(json.RawMessage(command("ls"))))
}
