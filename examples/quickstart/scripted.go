package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

const buggyRemove = `func (s Stock) Remove(item string, n int) error {
	s[item] -= n
	return nil
}`

// The scripted Coders' fixes. claude's and gpt's are the same program,
// laid out and commented differently; gemini's clamps the quantity and
// forgets sold-out items, which breaks TestReportListsSoldOut.
const (
	claudeFix = `func (s Stock) Remove(item string, n int) error {
	if s[item] < n {
		return fmt.Errorf("only %d %s left, cannot remove %d", s[item], item, n)
	}
	s[item] -= n
	return nil
}`
	gptFix = `func (s Stock) Remove(item string, n int) error {
	// Never sell what is not there.
	if s[item] < n { return fmt.Errorf("only %d %s left, cannot remove %d", s[item], item, n) }
	s[item] -= n
	return nil
}`
	geminiFix = `func (s Stock) Remove(item string, n int) error {
	if n > s[item] {
		n = s[item]
	}
	s[item] -= n
	if s[item] == 0 {
		delete(s, item)
	}
	return nil
}`
)

// scripted is the offline team: each Coder's model is a script of the
// tool calls a model makes, and the tools run for real.
func scripted() team {
	return team{
		coders: []*coder.Coder{
			scriptedCoder("claude", "claude-sonnet-5-5", claudeFix),
			scriptedCoder("gpt", "gpt-6-sol", gptFix),
			scriptedCoder("gemini", "gemini-3.1-pro-preview", geminiFix),
		},
		judge: &judge.Judge{Agent: agent.Agent{ModelName: "claude-opus-5-5", Model: llmtest.NewScript(
			turn("claude-opus-5-5", 1, "try_candidate", map[string]string{"candidate": "claude", "command": "go test ./..."}),
			turn("claude-opus-5-5", 2, "submit", map[string]any{"confirmed": true,
				"reason": "Remove now refuses to remove more than is in stock, says how many are left, and the tests pass with the patch."}),
		)}},
	}
}

// scriptedCoder works as a Coder should: it finds the method, runs the
// tests, fixes the method, runs the tests again and calls task_done.
func scriptedCoder(id, model, fix string) *coder.Coder {
	return &coder.Coder{ID: id, Agent: agent.Agent{ModelName: model, Model: llmtest.NewScript(
		turn(model, 1, "ckg", map[string]string{"command": "search_class_method", "identifier": "Remove"}),
		turn(model, 2, "bash", map[string]string{"command": "go test ./... 2>&1 | tail -3"}),
		turn(model, 3, "str_replace_editor", map[string]string{"command": "str_replace", "path": "stock.go", "old_str": buggyRemove, "new_str": fix}),
		turn(model, 4, "bash", map[string]string{"command": "go vet ./... && go test ./... 2>&1 | tail -3"}),
		turn(model, 5, "task_done", map[string]string{"summary": "Remove refuses to take more than is in stock."}),
	)}}
}

// turn is the n-th answer of a scripted model: one tool call, with the
// usage a real model might report, growing with the conversation.
func turn(model string, n int, tool string, args any) llmtest.Reply {
	b, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return func(context.Context, *llm.Request) (*llm.Response, error) {
		return &llm.Response{
			Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(fmt.Sprintf("call_%d", n), tool, b)}},
			StopReason: llm.StopToolUse,
			Model:      model,
			Usage:      llm.Usage{InputTokens: 600 * n, CacheReadTokens: 2400 * (n - 1), OutputTokens: 90 + 15*n},
		}, nil
	}
}
