package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// errCallTimeout is the cause of a call's context when CallTimeout fires.
var errCallTimeout = errors.New("mcp: the call timed out")

// tool is one tool of a server, as a [tools.Tool].
type tool struct {
	c      *Client
	s      *session
	remote string // the name the server knows it by
	spec   llm.ToolSpec
	schema *jsonschema.Resolved
}

func newTool(c *Client, s *session, t *sdk.Tool) (*tool, error) {
	raw, schema, err := inputSchema(t.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("mcp: server %q: tool %q: %w; the server must fix its schema", s.server.Name, t.Name, err)
	}
	desc := t.Description
	if desc == "" {
		desc = t.Title
	}
	if desc == "" {
		desc = fmt.Sprintf("The tool %q of the MCP server %q.", t.Name, s.server.Name)
	}
	return &tool{
		c:      c,
		s:      s,
		remote: t.Name,
		spec:   llm.ToolSpec{Name: toolName(s.server.Name, t.Name), Description: desc, Schema: raw},
		schema: schema,
	}, nil
}

// inputSchema returns a server's input schema as the model gets it, and
// resolved for validation. The schema must describe an object; one without
// "type" gets "object", and one that does not say whether properties it
// does not list are allowed gets "additionalProperties": false, since a
// model that invents an argument should hear so before the server acts.
func inputSchema(v any) (json.RawMessage, *jsonschema.Resolved, error) {
	m, ok := v.(map[string]any)
	if v != nil && !ok {
		return nil, nil, fmt.Errorf("its input schema is %T, not a JSON object", v)
	}
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m["type"]; !ok {
		m["type"] = "object"
	}
	if m["type"] != "object" {
		return nil, nil, fmt.Errorf("its input schema has type %v; MCP tools take an object", m["type"])
	}
	if _, ok := m["additionalProperties"]; !ok {
		m["additionalProperties"] = false
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("its input schema: %w", err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, fmt.Errorf("its input schema is not a JSON Schema: %w", err)
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("its input schema does not resolve: %w", err)
	}
	return raw, resolved, nil
}

// maxName is the longest tool name every provider accepts.
const maxName = 64

// toolName returns the name the model sees for tool of server:
// "<server>_<tool>", each character outside [a-zA-Z0-9_-] replaced by "_".
// A name longer than 64 bytes keeps its first 55 and ends with "_" and 8
// hex digits of a hash of the unsanitised name, so that long names that
// differ only at the end stay apart. Connect refuses names that still
// collide.
func toolName(server, tool string) string {
	full := server + "_" + tool
	var b strings.Builder
	for _, r := range full {
		if r < utf8.RuneSelf && (r == '_' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > maxName {
		sum := sha256.Sum256([]byte(full))
		name = name[:maxName-9] + "_" + hex.EncodeToString(sum[:4])
	}
	return name
}

// Spec describes the tool to the model under its prefixed name.
func (t *tool) Spec() llm.ToolSpec { return t.spec }

// Run checks args against the tool's schema and calls the tool on its
// server within Options.CallTimeout. The server's isError becomes the
// result's IsError. A timeout, an error the server answers instead of a
// result, and a server that is gone are error results naming the server;
// Run returns a Go error only when ctx ends or the Client is closed.
func (t *tool) Run(ctx context.Context, raw json.RawMessage) (tools.Result, error) {
	args, err := tools.Decode[map[string]any](raw, t.schema)
	if err != nil {
		return tools.Errorf("%s: %v", t.spec.Name, err), nil
	}
	if err := context.Cause(ctx); err != nil {
		return tools.Result{}, err
	}
	if t.c.closed.Load() {
		return tools.Result{}, ErrClosed
	}
	cctx, cancel := context.WithTimeoutCause(ctx, t.c.opts.CallTimeout, errCallTimeout)
	defer cancel()
	res, err := t.s.cs.CallTool(cctx, &sdk.CallToolParams{Name: t.remote, Arguments: args})
	switch {
	case err == nil:
		return tools.Result{Content: clip(render(res), t.c.opts.MaxOutput), IsError: res.IsError}, nil
	case ctx.Err() != nil:
		return tools.Result{}, context.Cause(ctx)
	case t.c.closed.Load():
		return tools.Result{}, ErrClosed
	}
	name := t.s.server.Name
	var rpcErr *jsonrpc.Error
	switch {
	case errors.Is(context.Cause(cctx), errCallTimeout):
		return tools.Errorf("%s: the MCP server %q did not answer within %v, so the call was cancelled; try something smaller, or another way", t.spec.Name, name, t.c.opts.CallTimeout), nil
	case errors.As(err, &rpcErr):
		return tools.Errorf("%s: the MCP server %q refused the call: %s (code %d)", t.spec.Name, name, rpcErr.Message, rpcErr.Code), nil
	case errors.Is(err, sdk.ErrConnectionClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		note := ""
		if p := t.s.proc; p != nil {
			p.waitStderr(closeGrace)
			note = p.stderrNote()
		}
		return tools.Errorf("%s: the MCP server %q is gone (%v); its tools cannot be used any more%s", t.spec.Name, name, err, note), nil
	}
	return tools.Errorf("%s: calling the MCP server %q failed: %v", t.spec.Name, name, err), nil
}

// render turns a result's content into text. Text is kept; images and
// audio, which a tool result cannot carry, are described by type and size;
// a resource link is shown by name, URI and type; an embedded resource by
// its URI and its text, or its type and size when it is binary. Parts are
// separated by newlines. Structured content is shown, as JSON, only when
// there is no other content: servers that return it also send its text.
func render(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			parts = append(parts, c.Text)
		case *sdk.ImageContent:
			parts = append(parts, fmt.Sprintf("[an image (%s, %d bytes) that cannot be shown here]", c.MIMEType, len(c.Data)))
		case *sdk.AudioContent:
			parts = append(parts, fmt.Sprintf("[audio (%s, %d bytes) that cannot be played here]", c.MIMEType, len(c.Data)))
		case *sdk.ResourceLink:
			parts = append(parts, fmt.Sprintf("[resource %q: %s%s%s]", c.Name, c.URI, optional(", ", c.MIMEType), optional(": ", c.Description)))
		case *sdk.EmbeddedResource:
			parts = append(parts, resourceText(c.Resource))
		default:
			parts = append(parts, fmt.Sprintf("[content of type %T that cannot be shown here]", c))
		}
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}

func resourceText(r *sdk.ResourceContents) string {
	switch {
	case r == nil:
		return "[an empty resource]"
	case r.Blob != nil:
		return fmt.Sprintf("[resource %s (%s, %d bytes of binary data that cannot be shown here)]", r.URI, r.MIMEType, len(r.Blob))
	}
	return fmt.Sprintf("[resource %s%s]\n%s", r.URI, optional(", ", r.MIMEType), r.Text)
}

func optional(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// clip keeps the head and the tail of s within max bytes, cut at rune
// boundaries, with a note of how much was cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	h := max / 2
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	t := len(s) - (max - max/2)
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return fmt.Sprintf("%s\n[... %d bytes cut here ...]\n%s\n[the result was cut in the middle]", s[:h], t-h, s[t:])
}
