package config_test

import (
	"fmt"

	"github.com/conclave-dev/conclave/config"
)

// A configuration is checked whole; each problem names its field and the
// fix.
func ExampleParse() {
	_, err := config.Parse([]byte(`
models:
  claude: {provider: anthropic, model: claude-sonnet-4-5}
  gemini: {provider: gemini, model: gemini-2.5-pro}
coders:
  - model: claude
  - model: gpt-5
judges:
  - model: gemini
    limits: {dollars: -1}
`), "conclave.yaml")
	fmt.Println(err)
	// Output:
	// config: conclave.yaml: coders[1].model: "gpt-5" is not defined under models; defined: claude, gemini
	// judges[0].limits: limits must not be negative
}

// Build makes the Pipeline a configuration describes; API keys come from
// the environment variables the file names.
func ExampleConfig_Build() {
	c, err := config.Parse([]byte(`
models:
  claude: {provider: anthropic, model: claude-sonnet-4-5, api_key_env: CLAUDE_KEY}
coders:
  - {model: claude, limits: {steps: 100, dollars: 2}}
judges:
  - {model: claude, name: reviewer}
sandbox: none
`), "conclave.yaml")
	if err != nil {
		panic(err)
	}
	getenv := func(name string) string { return map[string]string{"CLAUDE_KEY": "sk-test"}[name] }
	p, closeAll, err := c.Build("issue-1", &config.Options{Getenv: getenv})
	if err != nil {
		panic(err)
	}
	defer closeAll()
	fmt.Println(p.Coders[0].ID, p.Coders[0].Agent.Limits.Steps, p.Verifier)
	// Output: claude-sonnet-4-5 100 reviewer
}
