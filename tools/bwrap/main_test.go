//go:build linux

package bwrap_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"
)

// swapperEnv, when set, makes the test binary the racing process of
// TestSymlinkSwapFromInside; see swap. serverEnv makes it a stdio MCP
// server with one tool, "where", that says its working directory and pid.
const (
	swapperEnv = "CONCLAVE_BWRAP_TEST_SWAPPER"
	serverEnv  = "CONCLAVE_BWRAP_TEST_SERVER"
)

func TestMain(m *testing.M) {
	if pair := os.Getenv(swapperEnv); pair != "" {
		os.Exit(swap(pair))
	}
	if os.Getenv(serverEnv) != "" {
		os.Exit(serve())
	}
	goleak.VerifyTestMain(m)
}

func serve() int {
	srv := sdk.NewServer(&sdk.Implementation{Name: "where", Version: "v1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "where", Description: "Says where the server runs."},
		func(ctx context.Context, req *sdk.CallToolRequest, a struct{}) (*sdk.CallToolResult, any, error) {
			wd, _ := os.Getwd()
			text := fmt.Sprintf("%s pid=%d", wd, os.Getpid())
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}}, nil, nil
		})
	if err := srv.Run(context.Background(), &sdk.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
