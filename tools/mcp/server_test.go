package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"
)

// serverEnv, when set, makes the test binary an MCP server speaking on its
// stdin and stdout, behaving as its value says; see serve.
const serverEnv = "CONCLAVE_MCP_TEST_SERVER"

// pidFileEnv names the file where the "spawn" server writes its child's pid.
const pidFileEnv = "CONCLAVE_MCP_TEST_PIDFILE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(serverEnv); mode != "" {
		os.Exit(serve(mode))
	}
	goleak.VerifyTestMain(m)
}

// serve runs the test binary as a stdio server:
//
//   - ok: serves the test tools until stdin ends;
//   - env: like ok, after writing its working directory and environment
//     to the file named by pidFileEnv;
//   - spawn: like ok, after starting a child process that it never stops;
//   - stubborn: like ok, but keeps running when stdin ends;
//   - crash: writes to stderr and exits with status 1;
//   - silent: reads stdin to its end and never answers.
func serve(mode string) int {
	switch mode {
	case "crash":
		fmt.Fprintln(os.Stderr, "starting...\nfatal: the API key is missing")
		return 1
	case "silent":
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "env":
		wd, _ := os.Getwd()
		env := append([]string{"cwd=" + wd}, os.Environ()...)
		if err := os.WriteFile(os.Getenv(pidFileEnv), []byte(strings.Join(env, "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "spawn":
		child := exec.Command("sleep", "300")
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.WriteFile(os.Getenv(pidFileEnv), []byte(fmt.Sprint(child.Process.Pid)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := testServer(0).Run(context.Background(), &sdk.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if mode == "stubborn" {
		time.Sleep(time.Hour)
	}
	return 0
}

type echoArgs struct {
	Text string `json:"text" jsonschema:"what to say back"`
}

// testServer returns a server with tools that exercise every kind of
// result; pageSize, when not zero, makes it list its tools in pages.
func testServer(pageSize int) *sdk.Server {
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "v1"}, &sdk.ServerOptions{PageSize: pageSize})
	sdk.AddTool(srv, &sdk.Tool{Name: "echo", Description: "Says text back."},
		func(ctx context.Context, req *sdk.CallToolRequest, a echoArgs) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: a.Text}}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "fail", Description: "Always fails."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: "it failed"}}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "wait", Description: "Waits until cancelled."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			<-ctx.Done()
			return nil, nil, ctx.Err()
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "exit", Description: "Ends the server process."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			fmt.Fprintln(os.Stderr, "exiting on request")
			os.Exit(3)
			return nil, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "media", Description: "Returns every kind of content."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{
				&sdk.TextContent{Text: "text"},
				&sdk.ImageContent{MIMEType: "image/png", Data: []byte("png!")},
				&sdk.AudioContent{MIMEType: "audio/wav", Data: []byte("wav")},
				&sdk.ResourceLink{Name: "log", URI: "file:///var/log/app.log", MIMEType: "text/plain", Description: "the log"},
				&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "file:///a.txt", MIMEType: "text/plain", Text: "hello"}},
				&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "file:///a.bin", MIMEType: "application/octet-stream", Blob: []byte{1, 2, 3}}},
			}}, nil, nil
		})
	srv.AddTool(&sdk.Tool{Name: "structured", Description: "Returns only structured content.", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return &sdk.CallToolResult{StructuredContent: map[string]any{"n": 1}}, nil
		})
	srv.AddTool(&sdk.Tool{Name: "broken", Description: "Answers with a protocol error.", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return nil, errors.New("database unavailable")
		})
	srv.AddTool(&sdk.Tool{Name: "raw", Description: "Says its raw arguments back.", InputSchema: json.RawMessage(`{"type":"object","properties":{"id":{"type":"integer"},"note":{"type":"string"}}}`)},
		func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(req.Params.Arguments)}}}, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "big", Description: "Returns a lot of text."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "<" + strings.Repeat("x", 100_000) + ">"}}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "dotted.name", Description: "Has a dot in its name."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "dot"}}}, nil, nil
		})
	return srv
}

// testToolNames are the names testServer's tools get for a server named
// "t", in the order it lists them.
var testToolNames = []string{"t_big", "t_broken", "t_dotted_name", "t_echo", "t_exit", "t_fail", "t_media", "t_raw", "t_structured", "t_wait"}

// inMemory returns a Server connected to testServer in this process; the
// server session ends when the test does.
func inMemory(t *testing.T, name string, pageSize int) Server {
	t.Helper()
	clientEnd, serverEnd := sdk.NewInMemoryTransports()
	ss, err := testServer(pageSize).Connect(t.Context(), serverEnd, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	return Server{Name: name, Transport: clientEnd}
}

// stdio returns a Server that runs this test binary as a stdio server in
// mode.
func stdio(name, mode string, env ...string) Server {
	return Server{Name: name, Command: os.Args[0], Env: append([]string{serverEnv + "=" + mode}, env...)}
}
