package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/discovery"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
	"github.com/conclave-dev/conclave/llm/gemini"
	"github.com/conclave-dev/conclave/llm/openai"
	"github.com/conclave-dev/conclave/llm/replay"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bwrap"
	"github.com/conclave-dev/conclave/tools/ckg"
	"github.com/conclave-dev/conclave/tools/mcp"
	"github.com/conclave-dev/conclave/vote"
)

// Options tune Build. A nil *Options means the defaults.
type Options struct {
	// Getenv looks up environment variables: the API keys the file
	// names. Nil means os.Getenv.
	Getenv func(string) string
	// Record, if set, is a directory where every agent's model calls are
	// appended, one file per agent (coder-<id>.jsonl, judge-<name>.jsonl,
	// tester.jsonl, discovery-<coder>.jsonl), so that a replay model can
	// serve the run again offline. "{task}" in it is the task's ID.
	Record string
	// Warn receives warnings, such as a sandbox that cannot run; nil
	// writes them to standard error.
	Warn func(string)
	// Sandboxed, if set, is told whether agents will run in a sandbox.
	Sandboxed *bool
}

// Build returns the Pipeline the configuration describes, for the task
// named task ("{task}" in recording paths). The function returned releases
// what the Pipeline holds (recording files) and must be called after the
// run. Errors name what to fix: an API key variable that is not set, a
// recording that is missing, a sandbox that cannot run.
func (c *Config) Build(task string, opts *Options) (*conclave.Pipeline, func() error, error) {
	b := &builder{c: c, task: task, clients: map[string]llm.Model{}}
	if opts != nil {
		b.opts = *opts
	}
	if b.opts.Getenv == nil {
		b.opts.Getenv = os.Getenv
	}
	p, err := b.pipeline()
	if err != nil {
		b.close()
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	return p, b.close, nil
}

type builder struct {
	c       *Config
	task    string
	opts    Options
	clients map[string]llm.Model // provider clients by model name, shared by the agents on them
	files   []*os.File
}

func (b *builder) close() error {
	var errs []error
	for _, f := range b.files {
		errs = append(errs, f.Close())
	}
	b.files = nil
	return errors.Join(errs...)
}

func (b *builder) pipeline() (*conclave.Pipeline, error) {
	c := b.c
	p := &conclave.Pipeline{Parallel: c.Parallel, Seed: c.Selector.Seed, WorktreeDir: c.WorktreeDir}
	ws, err := b.sandbox()
	if err != nil {
		return nil, err
	}
	p.Workspace = ws
	for _, cd := range c.Coders {
		co, err := b.coder(cd)
		if err != nil {
			return nil, err
		}
		p.Coders = append(p.Coders, co)
	}
	if t := c.Tester; t != nil {
		p.Tester = &tester.Tester{Command: t.Command, Python: t.Python, Timeout: t.Timeout, Parallel: t.Parallel}
		if e := t.Explorer; e != nil {
			a, err := b.agent("tester", e.Model, e.Limits, nil, "")
			if err != nil {
				return nil, err
			}
			p.Tester.Discover = []tester.Discoverer{tester.Deterministic{}, &tester.Explorer{Agent: a}}
		}
	}
	if len(c.Judges) > 0 {
		p.Judges = map[string]selector.Judge{}
	}
	for _, jd := range c.Judges {
		a, err := b.agent("judge-"+jd.Name, jd.Model, jd.Limits, jd.Temperature, jd.Reasoning)
		if err != nil {
			return nil, err
		}
		a.Name = jd.Name
		p.Judges[jd.Name] = &judge.Judge{Agent: a}
	}
	switch c.Selector.Verifier {
	case "none":
		p.Verifier = "-"
	case "":
		if len(c.Judges) > 0 {
			p.Verifier = c.Judges[0].Name
		}
	default:
		p.Verifier = c.Selector.Verifier
	}
	sel := c.Selector
	hasTester := c.Tester != nil
	p.Stages = func(r conclave.Roles) []selector.Stage { return sel.stages(r, hasTester) }
	if c.Refine != nil {
		p.Refine = &conclave.Refine{Limits: agentLimits(Limits{}, c.Refine.Limits)}
	}
	return p, nil
}

// sandbox returns how worktrees' commands run: nil for local processes.
func (b *builder) sandbox() (func(string) (tools.Workspace, error), error) {
	in := func(dir string) (tools.Workspace, error) { return bwrap.New(dir, nil) }
	sandboxed := false
	defer func() {
		if b.opts.Sandboxed != nil {
			*b.opts.Sandboxed = sandboxed
		}
	}()
	switch b.c.Sandbox {
	case "none":
		return nil, nil
	case "bwrap":
		if err := bwrap.Available(); err != nil {
			return nil, fmt.Errorf("sandbox: bwrap was asked for and cannot run here: %w; fix that, or set sandbox: none to run agents unsandboxed", err)
		}
		sandboxed = true
		return in, nil
	}
	if err := bwrap.Available(); err != nil {
		b.warn(fmt.Sprintf("agents and tests run unsandboxed, with your rights: bwrap cannot run here (%v); set sandbox: none to say so and silence this", err))
		return nil, nil
	}
	sandboxed = true
	return in, nil
}

func (b *builder) warn(s string) {
	if b.opts.Warn != nil {
		b.opts.Warn(s)
		return
	}
	fmt.Fprintln(os.Stderr, "conclave: warning:", s)
}

func (b *builder) coder(cd Coder) (*coder.Coder, error) {
	a, err := b.agent("coder-"+cd.ID, cd.Model, cd.Limits, cd.Temperature, cd.Reasoning)
	if err != nil {
		return nil, err
	}
	a.System = cd.Prompt
	co := &coder.Coder{ID: cd.ID, Agent: a, KeepScratch: cd.KeepScratch}
	var sub *agent.Agent
	if d := cd.Discovery; d != nil {
		s, err := b.agent("discovery-"+cd.ID, d.Model, d.Limits, nil, "")
		if err != nil {
			return nil, err
		}
		sub = &s
	}
	var servers []MCPServer
	for _, m := range b.c.MCP {
		if len(cd.MCP) == 0 || contains(cd.MCP, m.Name) {
			servers = append(servers, m)
		}
	}
	if sub == nil && len(servers) == 0 {
		return co, nil
	}
	getenv := b.opts.Getenv
	co.Extra = func(ctx context.Context, ws tools.Workspace, ix *ckg.Index) ([]tools.Tool, error) {
		var out []tools.Tool
		if sub != nil {
			dd, err := discovery.New(ws, sub, &discovery.Options{Index: ix})
			if err != nil {
				return nil, err
			}
			out = append(out, dd)
		}
		if len(servers) == 0 {
			return out, nil
		}
		client, err := mcp.Connect(ctx, mcpServers(servers, ws, getenv), nil)
		if err != nil {
			return nil, err
		}
		ts := client.Tools()
		if len(ts) == 0 {
			return out, client.Close()
		}
		// The Coder closes its tools after its run; the first closes the
		// client, and with it the servers.
		ts[0] = closing{Tool: ts[0], c: client}
		return append(out, ts...), nil
	}
	return co, nil
}

// closing is a tool that closes c when closed.
type closing struct {
	tools.Tool
	c io.Closer
}

func (t closing) Close() error { return t.c.Close() }

func mcpServers(servers []MCPServer, ws tools.Workspace, getenv func(string) string) []mcp.Server {
	out := make([]mcp.Server, len(servers))
	for i, s := range servers {
		out[i] = mcp.Server{Name: s.Name, Command: s.Command, Args: s.Args, Env: s.Env, PassEnv: s.PassEnv, URL: s.URL}
		if s.Command != "" {
			out[i].Workspace = ws
		}
		if len(s.HeadersEnv) > 0 {
			out[i].Headers = map[string]string{}
			for h, v := range s.HeadersEnv {
				out[i].Headers[h] = getenv(v)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// agent returns the configuration of the agent named name on the model
// ref.
func (b *builder) agent(name, ref string, l Limits, temperature *float64, effort string) (agent.Agent, error) {
	entry := b.c.Models[ref]
	m, err := b.model(name, ref)
	if err != nil {
		return agent.Agent{}, err
	}
	a := agent.Agent{Model: m, ModelName: entry.Model, Limits: agentLimits(b.c.Limits, l),
		Temperature: temperature, Reasoning: llm.Effort(effort), Window: entry.ContextWindow, MaxTokens: entry.MaxTokens}
	if a.ModelName == "" {
		a.ModelName = ref
	}
	if p := entry.Price; p != nil {
		a.Prices = map[string]llm.Price{a.ModelName: {Input: p.Input, Output: p.Output, CacheRead: p.CacheRead, CacheWrite: p.CacheWrite}}
	}
	return a, nil
}

// agentLimits returns own over the defaults d, field by field.
func agentLimits(d, own Limits) agent.Limits {
	l := agent.Limits{Steps: d.Steps, Tokens: d.Tokens, Dollars: d.Dollars, Time: d.Time}
	if own.Steps != 0 {
		l.Steps = own.Steps
	}
	if own.Tokens != 0 {
		l.Tokens = own.Tokens
	}
	if own.Dollars != 0 {
		l.Dollars = own.Dollars
	}
	if own.Time != 0 {
		l.Time = own.Time
	}
	return l
}

// model returns the model ref as the agent named name uses it: the
// provider's client (shared, with retries and the model's concurrency
// bound) or the agent's own recording, and the recorder when asked for.
func (b *builder) model(name, ref string) (llm.Model, error) {
	entry := b.c.Models[ref]
	var m llm.Model
	if entry.Provider == "replay" {
		dir := b.path(strings.ReplaceAll(entry.Recordings, "{task}", b.task))
		file := filepath.Join(dir, name+".jsonl")
		player, err := replay.Open(file)
		if err != nil {
			return nil, fmt.Errorf("models.%s: no recording for the agent %s: %w; record one with conclave run --record DIR", ref, name, err)
		}
		player.Check = true
		m = player
	} else {
		var ok bool
		if m, ok = b.clients[ref]; !ok {
			client, err := b.client(entry)
			if err != nil {
				return nil, fmt.Errorf("models.%s: %w", ref, err)
			}
			var mw []llm.Middleware
			if entry.Concurrency > 0 {
				mw = append(mw, llm.NewLimiter(entry.Concurrency).Wrap)
			}
			m = llm.Chain(client, append(mw, llm.Retry(nil))...)
			b.clients[ref] = m
		}
	}
	if b.opts.Record != "" {
		dir := strings.ReplaceAll(b.opts.Record, "{task}", b.task)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("recording: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(dir, name+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("recording: %w", err)
		}
		b.files = append(b.files, f)
		m = llm.Chain(m, replay.Record(f))
	}
	return m, nil
}

// path returns p relative to the configuration file's directory.
func (b *builder) path(p string) string {
	if filepath.IsAbs(p) || b.c.dir == "" {
		return p
	}
	return filepath.Join(b.c.dir, p)
}

// defaultKeyEnv is each provider's usual API key variable.
var defaultKeyEnv = map[string]string{
	"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-responses": "OPENAI_API_KEY", "gemini": "GEMINI_API_KEY",
}

// client makes the provider client of the model ref.
func (b *builder) client(m Model) (llm.Model, error) {
	keyEnv := m.APIKeyEnv
	if keyEnv == "" {
		keyEnv = defaultKeyEnv[m.Provider]
	}
	key := b.opts.Getenv(keyEnv)
	if key == "" && m.Vertex == nil && (m.BaseURL == "" || m.APIKeyEnv != "") {
		return nil, fmt.Errorf("the API key variable %s is not set: export it, or set api_key_env to the variable that holds the key", keyEnv)
	}
	switch m.Provider {
	case "anthropic":
		opts := []anthropic.Option{anthropic.WithModel(m.Model)}
		if key != "" {
			opts = append(opts, anthropic.WithAPIKey(key))
		}
		if m.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(m.BaseURL))
		}
		if m.MaxTokens > 0 {
			opts = append(opts, anthropic.WithMaxTokens(m.MaxTokens))
		}
		if m.Vertex != nil {
			opts = append(opts, anthropic.WithVertex(m.Vertex.Project, m.Vertex.Region))
		}
		return asModel(anthropic.New(opts...))
	case "openai", "openai-responses":
		opts := []openai.Option{openai.WithModel(m.Model)}
		if key != "" {
			opts = append(opts, openai.WithAPIKey(key))
		}
		if m.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(m.BaseURL))
		}
		if m.Provider == "openai" {
			return asModel(openai.New(opts...))
		}
		return asModel(openai.NewResponses(opts...))
	case "gemini":
		opts := []gemini.Option{gemini.WithModel(m.Model)}
		if key != "" {
			opts = append(opts, gemini.WithAPIKey(key))
		}
		if m.BaseURL != "" {
			opts = append(opts, gemini.WithBaseURL(m.BaseURL))
		}
		if m.Vertex != nil {
			opts = append(opts, gemini.WithVertex(m.Vertex.Project, m.Vertex.Region))
		}
		return asModel(gemini.New(opts...))
	}
	return nil, fmt.Errorf("%q is not a provider", m.Provider)
}

// asModel returns a provider's constructor's result as an llm.Model,
// without a typed nil on error.
func asModel[C llm.Model](c C, err error) (llm.Model, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// stages returns the selection's stages as s names them.
func (s Selector) stages(r conclave.Roles, hasTester bool) []selector.Stage {
	names := s.Stages
	if len(names) == 0 {
		names = []string{"content_filter", "apply_check"}
		if hasTester {
			names = append(names, "regression")
		}
		names = append(names, "syntax_cluster", "syntax_vote")
		if len(r.Judges) > 0 {
			names = append(names, "panel")
		}
	}
	var criteria []selector.Criterion
	for _, c := range s.Criteria {
		criteria = append(criteria, selector.Criterion{Name: c.Name, Question: c.Question})
	}
	out := make([]selector.Stage, 0, len(names))
	for _, n := range names {
		switch n {
		case "content_filter":
			out = append(out, selector.ContentFilter{})
		case "apply_check":
			out = append(out, selector.ApplyCheck{})
		case "regression":
			out = append(out, selector.Regression{Runner: r.Tests, Fewest: s.Fewest, Parallel: r.TestParallel})
		case "weigh":
			out = append(out, selector.Weigh{SourceWeights: s.SourceWeights})
		case "syntax_cluster":
			out = append(out, selector.SyntaxCluster{})
		case "syntax_vote":
			out = append(out, selector.SyntaxVote{Strategy: vote.Majority{Threshold: s.Threshold}, Verifier: r.Verifier, Timeout: s.Timeout})
		case "panel":
			out = append(out, selector.Panel{Judges: r.Judges, Criteria: criteria, JudgeWeights: s.JudgeWeights, MaxRounds: s.MaxRounds, Timeout: s.Timeout})
		case "multi_select":
			out = append(out, selector.MultiSelect{Judges: r.Judges, JudgeWeights: s.JudgeWeights, MaxRounds: s.MaxRounds, Timeout: s.Timeout})
		case "tournament":
			out = append(out, selector.Tournament{Judges: r.Judges, Criteria: criteria, Timeout: s.Timeout})
		}
	}
	return out
}
