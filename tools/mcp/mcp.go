package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/conclave-dev/conclave/tools"
)

// Defaults for the fields of [Options].
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultCallTimeout    = 2 * time.Minute
	DefaultMaxOutput      = 30_000
)

// ErrClosed is returned by a tool's Run after its Client is closed.
var ErrClosed = errors.New("mcp: the client is closed")

// Server says how to reach one MCP server: by Command, a program that
// speaks MCP on its stdin and stdout; by URL, an endpoint that speaks
// streamable HTTP; or by Transport. Exactly one of the three must be set.
type Server struct {
	// Name identifies the server in errors and prefixes the names of its
	// tools, as "<name>_<tool>". Required, and unique among the servers.
	Name string

	// Command and Args start a stdio server. It gets this process's
	// environment scrubbed of credentials by [tools.ScrubEnv], then the
	// variables named in PassEnv, then Env.
	Command string
	Args    []string
	// Env is added to Command's environment, as "NAME=value" entries,
	// secret-looking or not: the caller chose them.
	Env []string
	// PassEnv names variables of this process's environment that Command
	// gets although [tools.IsSecret] would drop them: the explicit
	// allowlist (the server's own API key, say).
	PassEnv []string
	// Dir is Command's working directory; empty means this process's.
	Dir string
	// Workspace, if set, starts Command through Workspace.Command: in the
	// workspace's root (Dir must be empty), with the workspace's scrubbed
	// environment plus PassEnv and Env, and inside its sandbox if it has
	// one (see package tools/bwrap).
	Workspace tools.Workspace

	// URL is the endpoint of a streamable HTTP server.
	URL string
	// Headers are sent with every request to URL (authorization, say).
	Headers map[string]string

	// Transport is any transport of the MCP SDK, such as one end of
	// sdk.NewInMemoryTransports for a server in this process. Close closes
	// the connection it makes.
	Transport sdk.Transport
}

// Options configures [Connect]. A nil *Options and zero fields mean the
// defaults.
type Options struct {
	// ConnectTimeout bounds, per server, starting it, the MCP handshake and
	// listing its tools; zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// CallTimeout bounds each tool call; zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxOutput is how many bytes of a result's text a tool returns, the
	// head and the tail; zero means DefaultMaxOutput.
	MaxOutput int
	// HTTPClient sends the requests to URL servers; nil means a client
	// that the Client owns and whose idle connections Close closes.
	HTTPClient *http.Client
}

// Client holds the sessions with a set of MCP servers and exposes their
// tools. It is safe for concurrent use; Close must be called to end the
// sessions and the server processes.
type Client struct {
	opts     Options
	sessions []*session // in the order of the servers
	tools    []tools.Tool
	http     *http.Client // owned, or nil
	closed   atomic.Bool
	close    sync.Once
	closeErr error
}

// session is the connection to one server.
type session struct {
	server Server
	cs     *sdk.ClientSession
	proc   *process                // for a stdio server
	end    context.CancelCauseFunc // ends the HTTP requests of a URL server
	listed []*sdk.Tool             // the server's tools, in its order
}

// Connect connects to every server, at the same time, and lists their
// tools. It fails, closing whatever it opened, if any server cannot be
// started or reached, does not complete the MCP handshake or list its tools
// within Options.ConnectTimeout, or offers tools whose names collide once
// prefixed and sanitised; the error names each server that failed (and
// holds the last lines a stdio server wrote to stderr). ctx bounds the
// connecting only; the sessions live until Close.
func Connect(ctx context.Context, servers []Server, opts *Options) (*Client, error) {
	c := &Client{}
	if opts != nil {
		c.opts = *opts
	}
	if err := c.setDefaults(servers); err != nil {
		return nil, err
	}
	impl := &sdk.Implementation{Name: "conclave", Version: moduleVersion()}
	client := sdk.NewClient(impl, nil)

	sessions := make([]*session, len(servers))
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("mcp: server %q: connecting panicked: %v", srv.Name, p)
				}
			}()
			sessions[i], errs[i] = c.connect(ctx, client, srv)
		})
	}
	wg.Wait()
	for _, s := range sessions {
		if s != nil {
			c.sessions = append(c.sessions, s)
		}
	}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.wrapTools(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// setDefaults fills in the options and checks them and the servers.
func (c *Client) setDefaults(servers []Server) error {
	o := &c.opts
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MaxOutput == 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	switch {
	case o.ConnectTimeout < 0:
		return fmt.Errorf("mcp: Options.ConnectTimeout is %v; give a positive duration, or zero for %v", o.ConnectTimeout, DefaultConnectTimeout)
	case o.CallTimeout < 0:
		return fmt.Errorf("mcp: Options.CallTimeout is %v; give a positive duration, or zero for %v", o.CallTimeout, DefaultCallTimeout)
	case o.MaxOutput < 200:
		return fmt.Errorf("mcp: Options.MaxOutput is %d; give at least 200 bytes, or zero for %d", o.MaxOutput, DefaultMaxOutput)
	}
	names := map[string]bool{}
	for i, s := range servers {
		switch {
		case s.Name == "":
			return fmt.Errorf("mcp: server %d has no Name; name it, since its tools are prefixed by the name", i)
		case names[s.Name]:
			return fmt.Errorf("mcp: two servers are named %q; give each a distinct Name", s.Name)
		case count(s.Command != "", s.URL != "", s.Transport != nil) != 1:
			return fmt.Errorf("mcp: server %q: set exactly one of Command (a stdio server), URL (a streamable HTTP server) and Transport", s.Name)
		case s.Command == "" && (len(s.Args) > 0 || len(s.Env) > 0 || len(s.PassEnv) > 0 || s.Dir != "" || s.Workspace != nil):
			return fmt.Errorf("mcp: server %q: Args, Env, PassEnv, Dir and Workspace apply to a Command only; leave them empty", s.Name)
		case s.Workspace != nil && s.Dir != "":
			return fmt.Errorf("mcp: server %q: a Workspace server runs in the workspace's root; leave Dir empty", s.Name)
		}
		for _, kv := range s.Env {
			if name, _, ok := strings.Cut(kv, "="); !ok || name == "" {
				return fmt.Errorf("mcp: server %q: Env entry %q is not NAME=value", s.Name, kv)
			}
		}
		names[s.Name] = true
		if s.URL != "" && o.HTTPClient == nil && c.http == nil {
			c.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		}
	}
	return nil
}

// connect starts or dials srv, completes the MCP handshake and lists the
// server's tools, all within Options.ConnectTimeout.
func (c *Client) connect(ctx context.Context, client *sdk.Client, srv Server) (*session, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.ConnectTimeout,
		fmt.Errorf("no answer within %v (Options.ConnectTimeout)", c.opts.ConnectTimeout))
	defer cancel()
	s := &session{server: srv, end: func(error) {}}
	stdio := &stdioTransport{server: srv}
	transport := srv.Transport
	switch {
	case srv.Command != "":
		transport = stdio
	case srv.URL != "":
		var life context.Context
		life, s.end = context.WithCancelCause(context.Background())
		transport = &sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: c.httpClient(srv.Headers, life)}
	}
	// A connection that fails or times out ends its HTTP requests at once:
	// the SDK would otherwise wait for a hung server to answer the notice
	// that a request was cancelled.
	stop := context.AfterFunc(ctx, func() { s.end(context.Cause(ctx)) })
	step := "connecting to " + where(srv)
	cs, err := client.Connect(ctx, transport, nil)
	if err == nil {
		step = "listing its tools"
		for t, lerr := range cs.Tools(ctx, nil) {
			if lerr != nil {
				err = lerr
				break
			}
			s.listed = append(s.listed, t)
		}
	}
	if !stop() && err == nil {
		err = context.Cause(ctx) // the deadline passed as the listing ended
	}
	if err != nil && cs != nil {
		cs.Close()
	}
	s.proc = stdio.proc
	if err != nil {
		s.end(err)
		if ctx.Err() != nil {
			err = context.Cause(ctx) // rather than "context deadline exceeded"
		}
		err = fmt.Errorf("mcp: server %q: %s: %w", srv.Name, step, err)
		if s.proc != nil {
			s.proc.Close()
			err = fmt.Errorf("%w%s", err, s.proc.stderrNote())
		}
		return nil, err
	}
	s.cs = cs
	return s, nil
}

func where(srv Server) string {
	switch {
	case srv.URL != "":
		return srv.URL
	case srv.Command != "":
		return fmt.Sprintf("%q", srv.Command)
	}
	return fmt.Sprintf("its %T", srv.Transport)
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// httpClient returns the client for a URL server: it sends headers with
// every request and ends every request when life ends.
func (c *Client) httpClient(headers map[string]string, life context.Context) *http.Client {
	base := c.opts.HTTPClient
	if base == nil {
		base = c.http
	}
	hc := *base
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = &httpTransport{base: rt, headers: headers, life: life}
	return &hc
}

// httpTransport adds a server's headers to each request and binds the
// request, and its response body, to the life of the session.
type httpTransport struct {
	base    http.RoundTripper
	headers map[string]string
	life    context.Context
}

func (t *httpTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	stop := context.AfterFunc(t.life, func() { cancel(context.Cause(t.life)) })
	release := func() {
		stop()
		cancel(nil)
	}
	req = req.Clone(ctx)
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the base transport.
func (t *httpTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// releasingBody releases its request's context when closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// wrapTools wraps the listed tools, in server order, and refuses names
// that collide.
func (c *Client) wrapTools() error {
	owner := map[string]string{} // model-facing name -> "tool of server"
	for _, s := range c.sessions {
		for _, t := range s.listed {
			tl, err := newTool(c, s, t)
			if err != nil {
				return err
			}
			name := tl.spec.Name
			desc := fmt.Sprintf("tool %q of server %q", t.Name, s.server.Name)
			if prev, dup := owner[name]; dup {
				return fmt.Errorf("mcp: %s and %s both become %q once prefixed and sanitised; rename a server", prev, desc, name)
			}
			owner[name] = desc
			c.tools = append(c.tools, tl)
		}
	}
	return nil
}

// Tools returns the servers' tools: the servers in the order given to
// Connect, each server's tools in the order it listed them. The slice is
// the caller's.
func (c *Client) Tools() []tools.Tool {
	return append([]tools.Tool(nil), c.tools...)
}

// Close ends every session: a stdio server's stdin is closed and the
// server given a few seconds to exit before it and its process group are
// terminated and then killed; an HTTP session is deleted. Close waits for
// all of it, is idempotent, and reports what failed by server.
func (c *Client) Close() error {
	c.close.Do(func() {
		c.closed.Store(true)
		errs := make([]error, len(c.sessions))
		var wg sync.WaitGroup
		for i, s := range c.sessions {
			wg.Go(func() {
				if err := s.close(); err != nil {
					errs[i] = fmt.Errorf("mcp: server %q: closing: %w", s.server.Name, err)
				}
			})
		}
		wg.Wait()
		if c.http != nil {
			c.http.CloseIdleConnections()
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

func (s *session) close() error {
	err := s.cs.Close()
	s.end(ErrClosed) // after the session's DELETE
	if s.proc != nil {
		// The SDK closed the process through the connection; Close
		// again returns what that found.
		err = s.proc.Close()
	}
	if errors.Is(err, sdk.ErrConnectionClosed) {
		return nil // the server had gone already
	}
	return err
}

// moduleVersion is this module's version as built, told to servers.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == "github.com/conclave-dev/conclave" && bi.Main.Version != "" {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/conclave-dev/conclave" {
				return d.Version
			}
		}
	}
	return "(devel)"
}
