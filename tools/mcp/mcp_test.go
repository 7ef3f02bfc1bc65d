package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

// connect connects to servers and closes the client, checking that it
// closes cleanly, when the test ends.
func connect(t *testing.T, opts *Options, servers ...Server) *Client {
	t.Helper()
	c, err := Connect(t.Context(), servers, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	return c
}

// set returns the client's tools as a set, to call them by name.
func set(t *testing.T, c *Client) *tools.Set {
	t.Helper()
	s, err := tools.NewSet(c.Tools()...)
	require.NoError(t, err)
	return s
}

func run(t *testing.T, s *tools.Set, name, args string) tools.Result {
	t.Helper()
	tl, ok := s.Get(name)
	require.True(t, ok, "no tool %s among %v", name, s.Names())
	res, err := tl.Run(t.Context(), json.RawMessage(args))
	require.NoError(t, err)
	return res
}

func TestInMemory(t *testing.T) {
	c := connect(t, nil, inMemory(t, "t", 2)) // pages of two tools
	s := set(t, c)
	assert.Equal(t, testToolNames, s.Names(), "every page listed, in order, prefixed and sanitised")

	tests := []struct {
		name, tool, args, want string
		isError                bool
	}{
		{"text", "t_echo", `{"text":"hi"}`, "hi", false},
		{"null dropped", "t_echo", `{"text":"hi","extra":null}`, "hi", false},
		{"isError", "t_fail", `{}`, "it failed", true},
		{"protocol error", "t_broken", `{}`, `t_broken: the MCP server "t" refused the call: database unavailable (code `, true},
		{"dotted name", "t_dotted_name", ``, "dot", false},
		{"missing argument", "t_echo", `{}`, `t_echo: invalid arguments`, true},
		{"unknown argument", "t_echo", `{"text":"hi","loud":true}`, "loud", true},
		{"wrong type", "t_echo", `{"text":5}`, "text", true},
		{"structured only", "t_structured", `{}`, `{"n":1}`, false},
		{"numbers exact", "t_raw", `{"id":12345678901234567891,"note":null}`, `{"id":12345678901234567891}`, false},
		{"media", "t_media", `{}`, "text\n" +
			"[an image (image/png, 4 bytes) that cannot be shown here]\n" +
			"[audio (audio/wav, 3 bytes) that cannot be played here]\n" +
			`[resource "log": file:///var/log/app.log, text/plain: the log]` + "\n" +
			"[resource file:///a.txt, text/plain]\nhello\n" +
			"[resource file:///a.bin (application/octet-stream, 3 bytes of binary data that cannot be shown here)]", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, s, tt.tool, tt.args)
			assert.Equal(t, tt.isError, res.IsError, res.Content)
			if tt.isError {
				assert.Contains(t, res.Content, tt.want)
			} else {
				assert.Equal(t, tt.want, res.Content)
			}
		})
	}
}

func TestConformance(t *testing.T) {
	c := connect(t, nil, inMemory(t, "t", 0))
	for _, tl := range c.Tools() {
		t.Run(tl.Spec().Name, func(t *testing.T) {
			toolstest.TestTool(t, tl)
		})
	}
	echo, _ := set(t, c).Get("t_echo")
	toolstest.TestTool(t, echo, json.RawMessage(`{"text":"hi"}`))
}

func TestSchema(t *testing.T) {
	c := connect(t, nil, inMemory(t, "t", 0))
	s := set(t, c)
	tests := []struct{ tool, want string }{
		{"t_raw", `{"additionalProperties":false,"properties":{"id":{"type":"integer"},"note":{"type":"string"}},"type":"object"}`},
		{"t_structured", `{"additionalProperties":false,"type":"object"}`},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			tl, _ := s.Get(tt.tool)
			assert.JSONEq(t, tt.want, string(tl.Spec().Schema))
		})
	}
	tl, _ := s.Get("t_echo")
	assert.Equal(t, "Says text back.", tl.Spec().Description)
}

func TestOutputCapped(t *testing.T) {
	c := connect(t, &Options{MaxOutput: 1000}, inMemory(t, "t", 0))
	res := run(t, set(t, c), "t_big", `{}`)
	want := "<" + strings.Repeat("x", 499) + "\n[... 99002 bytes cut here ...]\n" + strings.Repeat("x", 499) + ">\n[the result was cut in the middle]"
	assert.Equal(t, want, res.Content)
}

func TestCallTimeout(t *testing.T) {
	c := connect(t, &Options{CallTimeout: 100 * time.Millisecond}, inMemory(t, "t", 0))
	s := set(t, c)
	res := run(t, s, "t_wait", `{}`)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, `the MCP server "t" did not answer within 100ms`)
	assert.Equal(t, "still here", run(t, s, "t_echo", `{"text":"still here"}`).Content, "the session survives")
}

func TestCallContext(t *testing.T) {
	c := connect(t, nil, inMemory(t, "t", 0))
	tl, _ := set(t, c).Get("t_wait")
	errStop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := tl.Run(ctx, json.RawMessage(`{}`))
		done <- err
	}()
	cancel(errStop)
	assert.ErrorIs(t, <-done, errStop)
}

func TestClosed(t *testing.T) {
	c, err := Connect(t.Context(), []Server{inMemory(t, "t", 0)}, nil)
	require.NoError(t, err)
	tl, _ := set(t, c).Get("t_echo")
	require.NoError(t, c.Close())
	_, err = tl.Run(t.Context(), json.RawMessage(`{"text":"hi"}`))
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, c.Close(), "Close is idempotent")
}

func TestStdioServerGone(t *testing.T) {
	c := connect(t, nil, stdio("t", "ok"))
	s := set(t, c)
	tl, _ := s.Get("t_exit")
	res, err := tl.Run(t.Context(), json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, `the MCP server "t" is gone`)

	res = run(t, s, "t_echo", `{"text":"hi"}`)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, `the MCP server "t" is gone`)
	assert.Contains(t, res.Content, "exiting on request", "the server's stderr is shown")
}

func TestHTTP(t *testing.T) {
	handler := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return testServer(0) }, nil)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close) // after the client's Close, which ends the streams

	c := connect(t, nil, Server{Name: "t", URL: ts.URL, Headers: map[string]string{"Authorization": "Bearer secret"}})
	s := set(t, c)
	assert.Equal(t, testToolNames, s.Names())
	assert.Equal(t, "over http", run(t, s, "t_echo", `{"text":"over http"}`).Content)
	assert.True(t, run(t, s, "t_fail", `{}`).IsError)

	_, err := Connect(t.Context(), []Server{{Name: "nokey", URL: ts.URL}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `mcp: server "nokey": connecting to `+ts.URL)
}

func TestConnectFailures(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client leave
		<-r.Context().Done()
	}))
	t.Cleanup(hanging.Close)
	fast := &Options{ConnectTimeout: 500 * time.Millisecond}

	tests := []struct {
		name   string
		server Server
		opts   *Options
		want   []string
	}{
		{"unreachable URL", Server{Name: "web", URL: closed.URL}, nil, []string{`mcp: server "web": connecting to ` + closed.URL, "connection refused"}},
		{"missing command", Server{Name: "cmd", Command: "no-such-mcp-server-xyz"}, nil, []string{`mcp: server "cmd"`, "executable file not found"}},
		{"crashing server", stdio("crash", "crash"), nil, []string{`mcp: server "crash"`, "stderr ends with:\nstarting...\nfatal: the API key is missing"}},
		{"silent server", stdio("silent", "silent"), fast, []string{`mcp: server "silent"`, "no answer within 500ms (Options.ConnectTimeout)"}},
		{"hanging URL", Server{Name: "slow", URL: hanging.URL}, fast, []string{`mcp: server "slow"`, "no answer within 500ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A good server beside the bad one is closed again.
			c, err := Connect(t.Context(), []Server{inMemory(t, "good", 0), tt.server}, tt.opts)
			assert.Nil(t, c)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestNameCollision(t *testing.T) {
	_, err := Connect(t.Context(), []Server{inMemory(t, "x.y", 0), inMemory(t, "x_y", 0)}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `mcp: tool "big" of server "x.y" and tool "big" of server "x_y" both become "x_y_big" once prefixed and sanitised; rename a server`)
}

func TestConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		servers []Server
		opts    *Options
		want    string
	}{
		{"no name", []Server{{Command: "x"}}, nil, "server 0 has no Name"},
		{"same name", []Server{{Name: "a", Command: "x"}, {Name: "a", URL: "http://x"}}, nil, `two servers are named "a"`},
		{"nothing to reach", []Server{{Name: "a"}}, nil, "set exactly one of Command"},
		{"two ways", []Server{{Name: "a", Command: "x", URL: "http://x"}}, nil, "set exactly one of Command"},
		{"env for a URL", []Server{{Name: "a", URL: "http://x", PassEnv: []string{"K"}}}, nil, "apply to a Command only"},
		{"dir with a workspace", []Server{{Name: "a", Command: "x", Dir: "/", Workspace: nopWorkspace{}}}, nil, "leave Dir empty"},
		{"bad env", []Server{{Name: "a", Command: "x", Env: []string{"=x"}}}, nil, `Env entry "=x" is not NAME=value`},
		{"negative timeout", nil, &Options{CallTimeout: -1}, "Options.CallTimeout"},
		{"tiny output", nil, &Options{MaxOutput: 1}, "Options.MaxOutput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Connect(t.Context(), tt.servers, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	c := connect(t, nil) // no servers: no tools
	assert.Empty(t, c.Tools())
}

var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestToolName(t *testing.T) {
	tests := []struct{ server, tool, want string }{
		{"fs", "read_file", "fs_read_file"},
		{"my.server", "get-thing", "my_server_get-thing"},
		{"s", "outils/écrire", "s_outils__crire"},
		{"s", "", "s_"},
		{"s", strings.Repeat("a", 62), "s_" + strings.Repeat("a", 62)},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, toolName(tt.server, tt.tool))
		})
	}
	t.Run("long", func(t *testing.T) {
		long := strings.Repeat("a", 70)
		got := toolName("s", long)
		assert.Regexp(t, namePattern, got)
		assert.Len(t, got, 64)
		assert.True(t, strings.HasPrefix(got, "s_"+strings.Repeat("a", 53)+"_"), got)
		assert.NotEqual(t, toolName("s", long+"1"), toolName("s", long+"2"), "long names that differ at the end stay apart")
	})
}

func FuzzToolName(f *testing.F) {
	f.Add("fs", "read_file")
	f.Add("my.server", "ünïcode/tool name")
	f.Add("s", strings.Repeat("x", 200))
	f.Add("", "\xff\xfe")
	f.Fuzz(func(t *testing.T, server, tool string) {
		got := toolName(server, tool)
		assert.Regexp(t, namePattern, got)
		assert.Equal(t, got, toolName(server, tool), "deterministic")
		if clean := server + "_" + tool; len(clean) <= 64 && namePattern.MatchString(clean) {
			assert.Equal(t, clean, got, "a valid name is kept")
		}
	})
}

// nopWorkspace is a Workspace for configuration checks; nothing calls it.
type nopWorkspace struct{ tools.Workspace }
