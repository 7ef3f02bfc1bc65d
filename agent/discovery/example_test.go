package discovery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/discovery"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
)

// DeepDiscovery as a tool: the scripted subagent looks up a definition,
// then submits the related files; the caller gets them checked, as JSON.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "discovery-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "calc.py"), []byte("def add(a, b):\n    return a - b\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "test_calc.py"), []byte("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"), 0o644)
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	model := llmtest.NewScript(
		llmtest.CallTools("ckg", `{"command":"find_references","identifier":"add"}`),
		llmtest.CallTools("submit", `{
			"files": [
				{"path": "calc.py", "why": "add subtracts", "symbols": ["add"]},
				{"path": "test_calc.py", "why": "test_add checks add", "symbols": ["test_add"]}
			],
			"relations": [{"from": "test_calc.py", "to": "calc.py", "kind": "tests", "symbol": "add"}],
			"summary": "Fix add in calc.py; test_calc.py covers it."}`),
	)
	dd, err := discovery.New(ws, &agent.Agent{Model: model, Limits: agent.Limits{Steps: 20}}, nil)
	if err != nil {
		panic(err)
	}
	res, err := dd.Run(context.Background(), json.RawMessage(`{"task":"add(2, 3) returns -1 instead of 5"}`))
	if err != nil {
		panic(err)
	}
	var r discovery.Result
	if err := json.Unmarshal([]byte(res.Content), &r); err != nil {
		panic(err)
	}
	for _, f := range r.Files {
		fmt.Printf("%s: %s %v\n", f.Path, f.Why, f.Symbols)
	}
	fmt.Println(r.Relations[0].From, r.Relations[0].Kind, r.Relations[0].To)
	// Output:
	// calc.py: add subtracts [add]
	// test_calc.py: test_add checks add [test_add]
	// test_calc.py tests calc.py
}
