package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/mcp"
)

type greetArgs struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

func Example() {
	// A server in this process, reached through an in-memory transport;
	// real servers are reached by Command or URL.
	server := sdk.NewServer(&sdk.Implementation{Name: "greeter", Version: "v1"}, nil)
	sdk.AddTool(server, &sdk.Tool{Name: "greet", Description: "Greets someone."},
		func(ctx context.Context, req *sdk.CallToolRequest, a greetArgs) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "Hello, " + a.Name + "!"}}}, nil, nil
		})
	clientEnd, serverEnd := sdk.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := server.Connect(ctx, serverEnd, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ss.Close()

	client, err := mcp.Connect(ctx, []mcp.Server{{Name: "greeter", Transport: clientEnd}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	set, err := tools.NewSet(client.Tools()...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Names())

	greet, _ := set.Get("greeter_greet")
	for _, args := range []string{`{"name": "Ada"}`, `{"nom": "Ada"}`} {
		res, err := greet.Run(ctx, json.RawMessage(args))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.IsError, res.Content)
	}
	// Output:
	// [greeter_greet]
	// false Hello, Ada!
	// true greeter_greet: invalid arguments: unexpected additional properties ["nom"]
}

// Servers are reached by a command speaking MCP on stdin and stdout, or by
// a streamable HTTP endpoint.
func ExampleConnect() {
	servers := []mcp.Server{
		{Name: "fs", Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/srv/repo"}},
		{Name: "tracker", URL: "https://mcp.example.com/mcp", Headers: map[string]string{"Authorization": "Bearer " + os.Getenv("TRACKER_TOKEN")}},
	}
	client, err := mcp.Connect(context.Background(), servers, &mcp.Options{CallTimeout: time.Minute})
	if err != nil {
		log.Fatal(err) // names the server that failed
	}
	defer client.Close()
	for _, t := range client.Tools() {
		fmt.Println(t.Spec().Name) // fs_read_file, tracker_create_issue, ...
	}
}
