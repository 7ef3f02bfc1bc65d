package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var keys = env(map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o", "GEMINI_API_KEY": "g"})

// The documented example loads and builds the pipeline it describes.
func TestExample(t *testing.T) {
	c, err := config.Parse(config.Example, "conclave.yaml")
	require.NoError(t, err)
	assert.Equal(t, "claude-sonnet-5-5", c.Coders[0].ID, "an ID defaults to the model's name")
	assert.Equal(t, 45*time.Minute, c.Limits.Time)
	assert.Equal(t, []string{"claude-sonnet-5-5", "gpt-6-sol", "gemini-3.1-pro-preview"}, []string{c.Judges[0].Name, c.Judges[1].Name, c.Judges[2].Name})

	p, closeAll, err := c.Build("task", &config.Options{Getenv: keys})
	require.NoError(t, err)
	defer closeAll()
	require.Len(t, p.Coders, 3)
	assert.Equal(t, 150, p.Coders[1].Agent.Limits.Steps)
	assert.Equal(t, 5.0, p.Coders[1].Agent.Limits.Dollars)
	assert.NotNil(t, p.Coders[0].Extra, "DeepDiscovery")
	assert.Nil(t, p.Coders[1].Extra)
	assert.Equal(t, "gpt-6-sol", p.Coders[1].Agent.ModelName)
	require.NotNil(t, p.Tester)
	assert.Equal(t, 15*time.Minute, p.Tester.Timeout)
	require.Len(t, p.Judges, 3)
	j := p.Judges["gpt-6-sol"].(*judge.Judge)
	assert.Equal(t, 40, j.Agent.Limits.Steps)
	assert.Equal(t, 10*time.Minute, j.Agent.Limits.Time)
	assert.Equal(t, "claude-sonnet-5-5", p.Verifier)
	require.NotNil(t, p.Refine)
	assert.Equal(t, 60, p.Refine.Limits.Steps)
	assert.Equal(t, uint64(1), p.Seed)
	assert.Equal(t, 3, p.Parallel)
}

// Every problem is reported at once, each naming the field and the fix.
func TestCheckErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"undefined model", `
models:
  claude: {provider: anthropic, model: claude-sonnet-4-5}
  gemini: {provider: gemini, model: gemini-2.5-pro}
coders:
  - model: claude
  - model: gpt-5
`, []string{`coders[1].model: "gpt-5" is not defined under models; defined: claude, gemini`}},
		{"nothing", "models: {}\n", []string{
			"models: none defined: define at least one model (provider and model name)",
			"coders: none defined: add at least one coder with a model"}},
		{"bad provider and key", `
models:
  m: {provider: openia, model: x}
  k: {provider: openai, model: y, api_key_env: sk-live-123}
coders: [{model: m}, {model: k}]
`, []string{`models.m.provider: "openia": use one of anthropic, openai, openai-responses, gemini, replay`,
			"models.k.api_key_env: this looks like a key, not a variable's name"}},
		{"duplicate ids and bad names", `
models: {m: {provider: anthropic, model: claude-sonnet-4-5}}
coders: [{model: m}, {model: m}, {model: m, id: "a b"}]
`, []string{`coders[1].id: "claude-sonnet-4-5" is also coders[0]'s ID: give each coder its own id`,
			`coders[2].id: "a b" cannot name a file`}},
		{"stages", `
models: {m: {provider: anthropic, model: claude-sonnet-4-5}}
coders: [{model: m}]
selector: {stages: [content_filter, regression, panel, vote], threshold: 1.5, verifier: bob}
`, []string{"selector.stages[1]: regression needs a tester: add a tester section, or remove the stage",
			"selector.stages[2]: panel needs judges: add judges, or remove the stage",
			`selector.stages[3]: "vote" is not a stage; stages: content_filter`,
			"selector.threshold: 1.5: use a share in (0, 1)",
			`selector.verifier: "bob" is not a judge; judges:  (or none)`}},
		{"replay without recordings", `
models: {r: {provider: replay}}
coders: [{model: r}]
`, []string{"models.r.recordings: empty: name the directory holding a recording per agent"}},
		{"limits, effort, mcp, sandbox", `
models: {m: {provider: gemini, model: gemini-2.5-pro, vertex: {project: p}}}
coders: [{model: m, reasoning: extreme, limits: {steps: -1}, mcp: [nope]}]
mcp: [{name: x}]
sandbox: docker
`, []string{"models.m.vertex: set both project and region", `coders[0].reasoning: "extreme": use minimal, low, medium or high`,
			"coders[0].limits: limits must not be negative", `coders[0].mcp[0]: "nope" is not a server under mcp`,
			"mcp[0]: set either command (a stdio server) or url (a streamable HTTP server)", `sandbox: "docker": use bwrap, none`}},
		{"unknown key", `
models: {m: {provider: anthropic, model: claude-sonnet-4-5}}
coders:
  - model: m
    limit: {steps: 3}
`, []string{`line 5: unknown key "limit"; the keys here are: id, model, temperature, reasoning, limits, prompt, discovery, mcp, keep_scratch`}},
		{"empty", "", []string{"the file is empty: define models and coders at least"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse([]byte(c.yaml), "conclave.yaml")
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "config: conclave.yaml: "), err.Error())
		})
	}
}

// Building fails, naming the fix, when an API key is not in the
// environment or a recording is missing; a key is never read from the
// file.
func TestBuildErrors(t *testing.T) {
	c, err := config.Parse([]byte(`
models:
  claude: {provider: anthropic, model: claude-sonnet-4-5, api_key_env: MY_CLAUDE_KEY}
coders: [{model: claude}]
sandbox: none
`), "c.yaml")
	require.NoError(t, err)
	_, _, err = c.Build("t", &config.Options{Getenv: keys})
	assert.EqualError(t, err, "config: models.claude: the API key variable MY_CLAUDE_KEY is not set: export it, or set api_key_env to the variable that holds the key")
	p, closeAll, err := c.Build("t", &config.Options{Getenv: env(map[string]string{"MY_CLAUDE_KEY": "k"})})
	require.NoError(t, err)
	require.NoError(t, closeAll())
	assert.Nil(t, p.Workspace, "sandbox: none")

	dir := t.TempDir()
	c, err = config.Load(writeFile(t, dir, "c.yaml", `
models: {r: {provider: replay, model: claude-sonnet-4-5, recordings: "recs/{task}"}}
coders: [{model: r, id: a}]
sandbox: none
`))
	require.NoError(t, err)
	_, _, err = c.Build("task-1", nil)
	assert.ErrorContains(t, err, "config: models.r: no recording for the agent coder-a: ")
	assert.ErrorContains(t, err, filepath.Join(dir, "recs", "task-1", "coder-a.jsonl"))
	writeFile(t, filepath.Join(dir, "recs", "task-1"), "coder-a.jsonl", `{"response":{"message":{"role":"assistant","parts":[{"kind":"text","text":"hi"}]},"stop_reason":"end"}}`+"\n")
	p, closeAll, err = c.Build("task-1", nil)
	require.NoError(t, err)
	defer closeAll()
	assert.Equal(t, "claude-sonnet-4-5", p.Coders[0].Agent.ModelName)
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}
