package tools_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/tools"
)

type keyed struct{ tools.Tool }

func (keyed) OrderKey(args json.RawMessage) string { return string(args) }

func TestOrderKey(t *testing.T) {
	plain := tools.NewFunc("plain", "", func(context.Context, struct{}) (tools.Result, error) { return tools.Result{}, nil })
	assert.Equal(t, "", tools.OrderKey(plain, json.RawMessage(`{}`)), "a tool without OrderKey has no constraint")
	assert.Equal(t, `{"a":1}`, tools.OrderKey(keyed{plain}, json.RawMessage(`{"a":1}`)))
}
