// Package config reads Conclave's configuration file, one YAML file that
// describes a whole pipeline, and builds the conclave.Pipeline it
// describes.
//
// # The file
//
// The file names models once and refers to them by name from the Coders,
// the Tester's explorer and the judges:
//
//	models:
//	  claude: {provider: anthropic, model: claude-sonnet-4-5}
//	  gpt:    {provider: openai, model: gpt-5, api_key_env: OPENAI_API_KEY}
//	coders:
//	  - {model: claude, limits: {steps: 150, dollars: 3, time: 30m}}
//	  - {model: gpt}
//	tester: {timeout: 10m}
//	judges:
//	  - {model: claude}
//	refine: {}
//
// conclave.yaml beside this file ([Example]) documents every key. API keys
// never go in the file: api_key_env names the environment variable that
// holds one. A model with provider replay serves recordings, one JSONL file
// per agent, so a whole run replays offline with no Go code; conclave run
// --record writes them.
//
// # Checking
//
// [Load] and [Parse] check the whole file and report every problem at once,
// each naming the field and the fix:
//
//	coders[1].model: "gpt-5" is not defined under models; defined: claude, gemini
//
// An unknown key is an error naming the keys known there, so a misspelt
// limit is not silently ignored.
//
// # Building
//
// [Config.Build] makes the provider clients (shared by the agents on one
// model, with retries and the model's concurrency bound), the agents, the
// selection's stages and the sandbox: sandbox: bwrap runs every agent's and
// test's commands in tools/bwrap and fails where bwrap cannot run; the
// default uses it where it works and warns where it does not.
package config
