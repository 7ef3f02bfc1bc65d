// Package mcp exposes the tools of MCP (Model Context Protocol) servers as
// [tools.Tool]s, using the official Go SDK.
//
// [Connect] starts or dials each configured [Server], completes the MCP
// handshake and lists its tools (following pagination); [Client.Tools]
// returns them, ready for a [tools.Set]; [Client.Close] ends the sessions.
//
// # Servers
//
// A Server is reached by Command (a program speaking MCP on its stdin and
// stdout, started with Args, Env and Dir), by URL (streamable HTTP, with
// Headers on every request), or by any SDK Transport (an in-memory one for a
// server in this process). A Command server gets this process's
// environment scrubbed of credentials by [tools.ScrubEnv], plus the
// variables named in PassEnv and the entries of Env; with a Workspace it
// starts through Workspace.Command, in the workspace's root and, for a
// sandboxed workspace, inside its sandbox. Servers are connected at the same time. A server
// that cannot be started or reached, or that does not answer within
// Options.ConnectTimeout, fails Connect with an error naming it, holding the
// end of what a stdio server wrote to stderr; Connect never skips a server.
//
// # Names and schemas
//
// A tool is named "<server>_<tool>" so that servers cannot collide, with
// every character outside [a-zA-Z0-9_-] replaced by "_" and names over 64
// bytes shortened with a hash; Connect fails if two tools still end up with
// one name. The server's input schema is given to the model as is, with
// "type": "object" added if missing and "additionalProperties": false if it
// does not say, and arguments are checked against it before the call, so a
// model's mistake comes back at once as an error result. Null properties
// are dropped as absent; numbers are passed on exactly as written.
//
// # Results
//
// The result's isError becomes [tools.Result.IsError]. Text content is kept;
// images and audio, which a tool result cannot carry, are described by type
// and size; resource links are shown by name, URI and type; embedded
// resources by URI and text, or by type and size when binary. Structured
// content is shown as JSON only when the result has no other content (a
// server that returns it should also return its text). Text over
// Options.MaxOutput bytes is cut in the middle, keeping head and tail.
//
// A call that does not finish within Options.CallTimeout is cancelled on
// the server and becomes an error result; so do errors the server answers
// instead of a result and a server that has gone away. Run returns a Go
// error only when its context ends or the Client is closed ([ErrClosed]).
//
// # Closing
//
// Close closes a stdio server's stdin, waits for it to exit, then sends
// SIGTERM and at last SIGKILL, as the MCP specification asks, and kills
// whatever the server left in its session (it is started in a
// session of its own, and on Linux in a cgroup of its own where this
// process may create one); it ends HTTP sessions and closes the idle
// connections of the HTTP client it owns. When Close returns, no goroutine
// or process of the Client is left, except, without a cgroup, a process
// that a server moved out of its session (setsid). Without Unix sessions
// (Windows) only the server process itself is ended.
//
// A Client and its tools are safe for concurrent use; calls to one server
// run concurrently, as the protocol allows.
package mcp
