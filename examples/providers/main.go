// Command providers holds one tool-using conversation with each provider
// whose API key is set: the model is asked for the weather, calls the
// get_weather tool, reads its result and answers. It says which providers
// it skipped and why, so it runs, and says so, with no key at all.
//
//	ANTHROPIC_API_KEY=... OPENAI_API_KEY=... GEMINI_API_KEY=... go run ./examples/providers
//
// OPENAI_BASE_URL points the OpenAI Chat Completions client at any
// compatible server (Ollama, vLLM, OpenRouter, DeepSeek); OPENAI_MODEL
// names its model.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
	"github.com/conclave-dev/conclave/llm/gemini"
	"github.com/conclave-dev/conclave/llm/openai"
)

// provider is one route to a model.
type provider struct {
	name, key, model string
	connect          func(model string) (llm.Model, error)
}

var providers = []provider{
	{"anthropic", "ANTHROPIC_API_KEY", "claude-haiku-4-5", func(m string) (llm.Model, error) { return asModel(anthropic.New(anthropic.WithModel(m))) }},
	{"openai (Chat Completions)", "OPENAI_API_KEY", cmp.Or(os.Getenv("OPENAI_MODEL"), "gpt-5-mini"), func(m string) (llm.Model, error) { return asModel(openai.New(openai.WithModel(m))) }},
	{"openai (Responses)", "OPENAI_API_KEY", "gpt-5-mini", func(m string) (llm.Model, error) { return asModel(openai.NewResponses(openai.WithModel(m))) }},
	{"gemini", "GEMINI_API_KEY", "gemini-2.5-flash", func(m string) (llm.Model, error) { return asModel(gemini.New(gemini.WithModel(m))) }},
}

func asModel[C llm.Model](c C, err error) (llm.Model, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

func main() {
	failed := run(context.Background(), os.Stdout, os.Getenv)
	if failed > 0 {
		os.Exit(1)
	}
}

// run talks to each provider whose key getenv finds and returns how many
// conversations failed.
func run(ctx context.Context, w io.Writer, getenv func(string) string) int {
	failed, ran := 0, 0
	for _, p := range providers {
		if getenv(p.key) == "" {
			fmt.Fprintf(w, "%-26s skipped: %s is not set\n", p.name, p.key)
			continue
		}
		ran++
		m, err := p.connect(p.model)
		if err == nil {
			var summary string
			summary, err = converse(ctx, llm.Chain(m, llm.Retry(nil)), p.model)
			if err == nil {
				fmt.Fprintf(w, "%-26s %s: %s\n", p.name, p.model, summary)
				continue
			}
		}
		failed++
		fmt.Fprintf(w, "%-26s %s: FAILED: %v\n", p.name, p.model, err)
	}
	if ran == 0 {
		fmt.Fprintln(w, "No provider ran: set an API key above to talk to its models.")
	}
	return failed
}

var weather = llm.ToolSpec{
	Name:        "get_weather",
	Description: "Get the current weather for a city.",
	Schema:      json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City name"}},"required":["city"]}`),
}

// converse asks m for the weather in Paris through the get_weather tool
// and returns what happened in one line.
func converse(ctx context.Context, m llm.Model, model string) (string, error) {
	msgs := []llm.Message{llm.UserText("What is the weather in Paris right now? Use the tool, then answer in one sentence.")}
	var usage llm.Usage
	var called []string
	for range 4 {
		resp, err := m.Generate(ctx, &llm.Request{Model: model, Messages: msgs, Tools: []llm.ToolSpec{weather}, MaxTokens: 1024})
		if err != nil {
			return "", err
		}
		usage = usage.Add(resp.Usage)
		msgs = append(msgs, resp.Message)
		calls := resp.Message.ToolCalls()
		if len(calls) == 0 {
			if len(called) == 0 {
				return "", errors.New("answered without calling the tool: " + resp.Message.Text())
			}
			return fmt.Sprintf("called %s; answered %q (%d tokens)", strings.Join(called, ", "), strings.TrimSpace(resp.Message.Text()), usage.Total()), nil
		}
		var results []llm.Part
		for _, c := range calls {
			called = append(called, fmt.Sprintf("%s(%s)", c.Name, c.Args))
			results = append(results, llm.ToolResultPart(c, `{"city":"Paris","sky":"light rain","celsius":14}`, false))
		}
		msgs = append(msgs, llm.Message{Role: llm.RoleUser, Parts: results})
	}
	return "", errors.New("still calling tools after four turns")
}
