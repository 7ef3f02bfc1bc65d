package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Example is the documented example configuration (conclave.yaml in this
// package's directory): three Coders on three providers, a Tester, two
// judges, the seeds' selection and a refinement round.
//
//go:embed conclave.yaml
var Example []byte

// Config is a configuration file. Field names are the file's keys.
type Config struct {
	// Models are the models agents use, by a name of the file's own.
	Models map[string]Model `yaml:"models"`
	// Coders generate the candidates; Parallel is how many run at once
	// (0: all).
	Coders   []Coder `yaml:"coders"`
	Parallel int     `yaml:"parallel"`
	// Limits are the defaults of every agent's limits; an agent's own
	// limits override them field by field.
	Limits Limits `yaml:"limits"`
	// Tester, when present, runs the project's relevant tests (the
	// regression filter).
	Tester *Tester `yaml:"tester"`
	// Judges are the selection's judges.
	Judges   []Judge  `yaml:"judges"`
	Selector Selector `yaml:"selector"`
	// Refine, when present, allows one refinement round when the
	// selection is unsure.
	Refine *Refine `yaml:"refine"`
	// MCP are servers whose tools the Coders get.
	MCP []MCPServer `yaml:"mcp"`
	// Sandbox is where agents and tests run commands: "bwrap" (a
	// bubblewrap sandbox; an error where it cannot run), "none" (local
	// processes), or "" for bwrap where it works and local processes with
	// a warning where it does not.
	Sandbox string `yaml:"sandbox"`
	// RunDir is where run directories go when a command is given none;
	// "" is ".conclave".
	RunDir string `yaml:"run_dir"`
	// WorktreeDir is where worktrees go; "" is the system's temporary
	// directory.
	WorktreeDir string `yaml:"worktree_dir"`

	// dir is the directory of the file, which relative paths start from.
	dir string
}

// Model is one model: a provider's model, or recordings replayed.
type Model struct {
	// Provider is anthropic, openai (Chat Completions and any compatible
	// server), openai-responses (the Responses API), gemini, or replay.
	Provider string `yaml:"provider"`
	// Model is the model's name at the provider ("claude-sonnet-4-5");
	// it also finds its price and context window in the catalog.
	Model string `yaml:"model"`
	// BaseURL is the API's address, for proxies and compatible servers.
	BaseURL string `yaml:"base_url"`
	// APIKeyEnv names the environment variable holding the API key; ""
	// is the provider's usual one (ANTHROPIC_API_KEY, OPENAI_API_KEY,
	// GEMINI_API_KEY). The key itself never goes in the file.
	APIKeyEnv string `yaml:"api_key_env"`
	// Price overrides the catalog's price, in dollars per million tokens.
	Price *Price `yaml:"price"`
	// ContextWindow overrides the catalog's window, in tokens.
	ContextWindow int `yaml:"context_window"`
	// MaxTokens bounds each answer; 0 is the provider's default.
	MaxTokens int `yaml:"max_tokens"`
	// Concurrency bounds the calls in flight to this model across all
	// agents; 0 is no bound.
	Concurrency int `yaml:"concurrency"`
	// Vertex routes anthropic and gemini models through Google Vertex AI.
	Vertex *Vertex `yaml:"vertex"`
	// Recordings is, for provider replay, the directory holding one
	// recording per agent, <agent>.jsonl (coder-<id>, judge-<name>,
	// tester, discovery-<coder id>), as llm/replay writes them and as
	// --record makes them. "{task}" in it is replaced by the task's ID.
	Recordings string `yaml:"recordings"`
}

// Price is a model's price in dollars per million tokens.
type Price struct {
	Input      float64 `yaml:"input"`
	Output     float64 `yaml:"output"`
	CacheRead  float64 `yaml:"cache_read"`
	CacheWrite float64 `yaml:"cache_write"`
}

// Vertex is a Google Cloud project and region.
type Vertex struct {
	Project string `yaml:"project"`
	Region  string `yaml:"region"`
}

// Limits bound an agent's run; a zero field is no bound (steps: the
// agent's default).
type Limits struct {
	Steps   int           `yaml:"steps"`
	Tokens  int           `yaml:"tokens"`
	Dollars float64       `yaml:"dollars"`
	Time    time.Duration `yaml:"time"`
}

// Coder is one Coder.
type Coder struct {
	// ID names its candidate; "" is its model's name.
	ID    string `yaml:"id"`
	Model string `yaml:"model"`
	// Temperature, if set, is sent with every request; Reasoning is an
	// effort: low, medium or high.
	Temperature *float64 `yaml:"temperature"`
	Reasoning   string   `yaml:"reasoning"`
	Limits      Limits   `yaml:"limits"`
	// Prompt replaces the Coder's system prompt.
	Prompt string `yaml:"prompt"`
	// Discovery gives the Coder ACoder's DeepDiscovery subagent on the
	// model named.
	Discovery *Discovery `yaml:"discovery"`
	// MCP names the servers whose tools the Coder gets; empty is all.
	MCP []string `yaml:"mcp"`
	// KeepScratch keeps throwaway scripts in the patch.
	KeepScratch bool `yaml:"keep_scratch"`
}

// Discovery is a DeepDiscovery subagent.
type Discovery struct {
	Model  string `yaml:"model"`
	Limits Limits `yaml:"limits"`
}

// Tester configures the Tester.
type Tester struct {
	// Command, if set, is the test command, run with sh -c at the root;
	// otherwise Go and Python tests are found from the changed files.
	Command string `yaml:"command"`
	// Python is the interpreter Python tests run with; "" is python3.
	Python string `yaml:"python"`
	// Timeout bounds each run of the tests on one tree; 0 is 15 minutes.
	Timeout time.Duration `yaml:"timeout"`
	// Parallel is how many candidates are tested at once.
	Parallel int `yaml:"parallel"`
	// Explorer, if set, also finds tests with a model (Trae's Tester).
	Explorer *Explorer `yaml:"explorer"`
}

// Explorer is the Tester's model.
type Explorer struct {
	Model  string `yaml:"model"`
	Limits Limits `yaml:"limits"`
}

// Judge is one judge.
type Judge struct {
	// Name names the judge in the evidence; "" is its model's name.
	Name        string   `yaml:"name"`
	Model       string   `yaml:"model"`
	Temperature *float64 `yaml:"temperature"`
	Reasoning   string   `yaml:"reasoning"`
	Limits      Limits   `yaml:"limits"`
}

// Selector configures the selection.
type Selector struct {
	// Stages are the stages in order: content_filter, apply_check,
	// regression, weigh, syntax_cluster, syntax_vote, panel,
	// multi_select, tournament. Empty is the seeds' chain: content_filter,
	// apply_check, regression (with a tester), syntax_cluster,
	// syntax_vote, panel (with judges).
	Stages []string `yaml:"stages"`
	// Threshold is the share of the votes a cluster must exceed to win
	// the syntax vote; 0 is 0.5.
	Threshold float64 `yaml:"threshold"`
	// Verifier names the judge that verifies the syntax vote's winner;
	// "" is the first judge, "none" no verification.
	Verifier string `yaml:"verifier"`
	// MaxRounds bounds the rounds of a panel or multi-selection vote.
	MaxRounds int `yaml:"max_rounds"`
	// Timeout bounds each judge's answer.
	Timeout time.Duration `yaml:"timeout"`
	// Criteria replace the panel's criteria (correctness, safety,
	// simplicity).
	Criteria []Criterion `yaml:"criteria"`
	// Seed drives the selection's random choices.
	Seed uint64 `yaml:"seed"`
	// SourceWeights weigh each model's candidates in the syntax vote (the
	// weigh stage); JudgeWeights each judge's ballots.
	SourceWeights map[string]float64 `yaml:"source_weights"`
	JudgeWeights  map[string]float64 `yaml:"judge_weights"`
	// Fewest keeps the candidates with the fewest regressions when none
	// passes the tests, instead of all.
	Fewest bool `yaml:"fewest"`
}

// Criterion is a standard the panel judges by.
type Criterion struct {
	Name     string `yaml:"name"`
	Question string `yaml:"question"`
}

// Refine configures the refinement round.
type Refine struct {
	// Limits bound each Coder in the round, field by field over its own.
	Limits Limits `yaml:"limits"`
}

// MCPServer is an MCP server: a command speaking MCP on stdin and stdout,
// or a streamable HTTP URL.
type MCPServer struct {
	Name    string   `yaml:"name"`
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
	// Env adds NAME=value entries to the command's environment; PassEnv
	// names variables of this environment it gets although they look
	// like credentials.
	Env     []string `yaml:"env"`
	PassEnv []string `yaml:"pass_env"`
	URL     string   `yaml:"url"`
	// HeadersEnv sends each header with the value of the environment
	// variable named, so that a token stays out of the file.
	HeadersEnv map[string]string `yaml:"headers_env"`
}

// Providers are the values of Model.Provider.
var Providers = []string{"anthropic", "openai", "openai-responses", "gemini", "replay"}

// Stages are the values of Selector.Stages.
var Stages = []string{"content_filter", "apply_check", "regression", "weigh", "syntax_cluster", "syntax_vote", "panel", "multi_select", "tournament"}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.dir = abs
	return c, nil
}

// Parse reads and checks a configuration; name names it in errors.
// Relative paths in it start from the current directory.
func Parse(b []byte, name string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config: %s: the file is empty: define models and coders at least (config/conclave.yaml is a documented example)", name)
		}
		return nil, fmt.Errorf("config: %s: %s", name, yamlError(err))
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", name, err)
	}
	return &c, nil
}

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type config\.(\w+)`)

// yamlError rewrites the decoder's errors for a reader: an unknown key
// is named with the keys that are known there.
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	return unknownField.ReplaceAllStringFunc(msg, func(s string) string {
		m := unknownField.FindStringSubmatch(s)
		return fmt.Sprintf("line %s: unknown key %q; the keys here are: %s", m[1], m[2], strings.Join(keysOf(m[3]), ", "))
	})
}

// keysOf lists the YAML keys of the type named.
func keysOf(typ string) []string {
	for _, v := range []any{Config{}, Model{}, Price{}, Vertex{}, Limits{}, Coder{}, Discovery{}, Tester{}, Explorer{}, Judge{}, Selector{}, Criterion{}, Refine{}, MCPServer{}} {
		t := reflect.TypeOf(v)
		if t.Name() != typ {
			continue
		}
		var keys []string
		for i := range t.NumField() {
			if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" {
				keys = append(keys, k)
			}
		}
		return keys
	}
	return nil
}

// Check checks the configuration and fills in the names it defaults
// (a Coder's ID, a judge's name). Each error names the field and the fix;
// all errors are reported at once.
func (c *Config) Check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	names := slices.Sorted(maps.Keys(c.Models))
	model := func(field, ref string) {
		switch {
		case ref == "":
			bad(field, "no model: name one of the models defined under models (%s)", strings.Join(names, ", "))
		case !slices.Contains(names, ref):
			bad(field, "%q is not defined under models; defined: %s", ref, strings.Join(names, ", "))
		}
	}
	if len(c.Models) == 0 {
		bad("models", "none defined: define at least one model (provider and model name)")
	}
	for _, n := range names {
		c.checkModel("models."+n, c.Models[n], bad)
	}
	if len(c.Coders) == 0 {
		bad("coders", "none defined: add at least one coder with a model")
	}
	if c.Parallel < 0 {
		bad("parallel", "%d: use 0 for all Coders at once, or a positive number", c.Parallel)
	}
	checkLimits("limits", c.Limits, bad)
	ids := map[string]int{}
	for i, cd := range c.Coders {
		f := fmt.Sprintf("coders[%d]", i)
		model(f+".model", cd.Model)
		if cd.ID == "" {
			c.Coders[i].ID = c.Models[cd.Model].Model
			if c.Coders[i].ID == "" {
				c.Coders[i].ID = cd.Model
			}
		}
		id := c.Coders[i].ID
		if !validName(id) {
			bad(f+".id", "%q cannot name a file: use letters, digits, '-', '_' and '.'", id)
		}
		if j, ok := ids[id]; ok {
			bad(f+".id", "%q is also coders[%d]'s ID: give each coder its own id", id, j)
		}
		ids[id] = i
		checkEffort(f+".reasoning", cd.Reasoning, bad)
		checkLimits(f+".limits", cd.Limits, bad)
		if cd.Discovery != nil {
			model(f+".discovery.model", cd.Discovery.Model)
			checkLimits(f+".discovery.limits", cd.Discovery.Limits, bad)
		}
		for k, s := range cd.MCP {
			if !slices.ContainsFunc(c.MCP, func(m MCPServer) bool { return m.Name == s }) {
				bad(fmt.Sprintf("%s.mcp[%d]", f, k), "%q is not a server under mcp", s)
			}
		}
	}
	if t := c.Tester; t != nil {
		if t.Timeout < 0 || t.Parallel < 0 {
			bad("tester", "timeout and parallel must not be negative")
		}
		if t.Explorer != nil {
			model("tester.explorer.model", t.Explorer.Model)
			checkLimits("tester.explorer.limits", t.Explorer.Limits, bad)
		}
	}
	judges := map[string]int{}
	var judgeNames []string
	for i, jd := range c.Judges {
		f := fmt.Sprintf("judges[%d]", i)
		model(f+".model", jd.Model)
		if jd.Name == "" {
			c.Judges[i].Name = c.Models[jd.Model].Model
			if c.Judges[i].Name == "" {
				c.Judges[i].Name = jd.Model
			}
		}
		name := c.Judges[i].Name
		if !validName(name) {
			bad(f+".name", "%q cannot name a file: use letters, digits, '-', '_' and '.'", name)
		}
		if j, ok := judges[name]; ok {
			bad(f+".name", "%q is also judges[%d]'s name: give each judge its own name", name, j)
		}
		judges[name] = i
		judgeNames = append(judgeNames, name)
		checkEffort(f+".reasoning", jd.Reasoning, bad)
		checkLimits(f+".limits", jd.Limits, bad)
	}
	c.checkSelector(judgeNames, bad)
	if c.Refine != nil {
		checkLimits("refine.limits", c.Refine.Limits, bad)
	}
	servers := map[string]bool{}
	for i, m := range c.MCP {
		f := fmt.Sprintf("mcp[%d]", i)
		switch {
		case m.Name == "":
			bad(f+".name", "empty: name the server; its tools are called <name>_<tool>")
		case servers[m.Name]:
			bad(f+".name", "%q names two servers: give each its own name", m.Name)
		}
		servers[m.Name] = true
		if (m.Command == "") == (m.URL == "") {
			bad(f, "set either command (a stdio server) or url (a streamable HTTP server)")
		}
		for _, e := range m.Env {
			if !strings.Contains(e, "=") {
				bad(f+".env", "%q is not NAME=value", e)
			}
		}
	}
	switch c.Sandbox {
	case "", "bwrap", "none":
	default:
		bad("sandbox", "%q: use bwrap, none, or leave it out for bwrap where it works", c.Sandbox)
	}
	return errors.Join(errs...)
}

func (c *Config) checkModel(f string, m Model, bad func(field, format string, args ...any)) {
	if !slices.Contains(Providers, m.Provider) {
		bad(f+".provider", "%q: use one of %s", m.Provider, strings.Join(Providers, ", "))
		return
	}
	if m.Provider == "replay" {
		if m.Recordings == "" {
			bad(f+".recordings", "empty: name the directory holding a recording per agent (<agent>.jsonl)")
		}
		return
	}
	if m.Model == "" {
		bad(f+".model", "empty: name the provider's model, such as claude-sonnet-4-5")
	}
	if m.Recordings != "" {
		bad(f+".recordings", "only a replay model has recordings")
	}
	if strings.HasPrefix(m.APIKeyEnv, "sk-") || strings.ContainsAny(m.APIKeyEnv, " =") {
		bad(f+".api_key_env", "this looks like a key, not a variable's name: put the key in an environment variable and name the variable here")
	}
	if m.Vertex != nil {
		if m.Provider != "anthropic" && m.Provider != "gemini" {
			bad(f+".vertex", "Vertex AI serves anthropic and gemini models, not %s", m.Provider)
		}
		if m.Vertex.Project == "" || m.Vertex.Region == "" {
			bad(f+".vertex", "set both project and region")
		}
	}
	if p := m.Price; p != nil && (p.Input < 0 || p.Output < 0 || p.CacheRead < 0 || p.CacheWrite < 0) {
		bad(f+".price", "prices must not be negative")
	}
	if m.ContextWindow < 0 || m.MaxTokens < 0 || m.Concurrency < 0 {
		bad(f, "context_window, max_tokens and concurrency must not be negative")
	}
}

func (c *Config) checkSelector(judges []string, bad func(field, format string, args ...any)) {
	s := &c.Selector
	for i, st := range s.Stages {
		f := fmt.Sprintf("selector.stages[%d]", i)
		switch {
		case !slices.Contains(Stages, st):
			bad(f, "%q is not a stage; stages: %s", st, strings.Join(Stages, ", "))
		case st == "regression" && c.Tester == nil:
			bad(f, "regression needs a tester: add a tester section, or remove the stage")
		case (st == "panel" || st == "multi_select" || st == "tournament") && len(judges) == 0:
			bad(f, "%s needs judges: add judges, or remove the stage", st)
		}
	}
	if s.Threshold < 0 || s.Threshold >= 1 {
		bad("selector.threshold", "%v: use a share in (0, 1), such as 0.5 for more than half", s.Threshold)
	}
	if v := s.Verifier; v != "" && v != "none" && !slices.Contains(judges, v) {
		bad("selector.verifier", "%q is not a judge; judges: %s (or none)", v, strings.Join(judges, ", "))
	}
	if s.MaxRounds < 0 || s.Timeout < 0 {
		bad("selector", "max_rounds and timeout must not be negative")
	}
	for i, cr := range s.Criteria {
		if cr.Name == "" || cr.Question == "" {
			bad(fmt.Sprintf("selector.criteria[%d]", i), "give both name and question")
		}
	}
	for name := range s.JudgeWeights {
		if !slices.Contains(judges, name) {
			bad("selector.judge_weights", "%q is not a judge; judges: %s", name, strings.Join(judges, ", "))
		}
	}
}

func checkLimits(f string, l Limits, bad func(field, format string, args ...any)) {
	if l.Steps < 0 || l.Tokens < 0 || l.Dollars < 0 || l.Time < 0 {
		bad(f, "limits must not be negative")
	}
}

func checkEffort(f, e string, bad func(field, format string, args ...any)) {
	switch e {
	case "", "minimal", "low", "medium", "high":
	default:
		bad(f, "%q: use minimal, low, medium or high", e)
	}
}

// validName reports whether s can name a file of a run directory.
func validName(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
