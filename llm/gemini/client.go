package gemini

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/internal/vertex"
	"github.com/conclave-dev/conclave/llm"
)

// DefaultBaseURL is the Gemini API's endpoint.
const DefaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

// Client speaks the Gemini API. It implements [llm.Model] and
// [llm.Streamer]. A Client is immutable once built and safe for concurrent
// use.
type Client struct {
	caller  httpx.Caller
	key     string
	baseURL string // up to the model path: ".../v1beta", or a Vertex AI location's
	model   string
	header  http.Header
	vertex  *vertex.Location   // WithVertex; nil: the Gemini API
	tokens  oauth2.TokenSource // the Google access tokens of WithVertex
}

// An Option configures a [Client].
type Option func(*Client)

// WithAPIKey sets the API key, overriding the environment.
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithBaseURL sets the endpoint, such as a proxy's; the default is
// [DefaultBaseURL]. Paths /models/{model}:generateContent and
// :streamGenerateContent are appended to it. With [WithVertex] it replaces
// the scheme and host only.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = u } }

// WithHTTPClient sets the HTTP client; the default is http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.caller.HTTP = hc } }

// WithModel sets the model used when a request names none, such as
// "gemini-2.5-flash".
func WithModel(model string) Option { return func(c *Client) { c.model = model } }

// WithMaxResponseSize bounds the bytes read from one response, whole or
// streamed (default 64 MiB; a 128k-token answer streams in about 30 MB). A
// response over the bound fails with an error wrapping
// [llm.ErrResponseTooLarge], and the memory a response takes stays within a
// small multiple of the bound.
func WithMaxResponseSize(n int64) Option { return func(c *Client) { c.caller.MaxResponse = n } }

// WithVertex sends requests to Gemini on Google Vertex AI, in the given
// Google Cloud project and region (such as "us-central1", or "global"),
// instead of to the Gemini API. Requests go to
//
//	https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent
//
// (:streamGenerateContent?alt=sse for a stream; the global region's host
// has no region prefix), with a Google access token as a bearer token and no
// API key: see [WithTokenSource]. The body and the answer are the Gemini
// API's. A model name with a slash, such as "endpoints/123", is taken as a
// resource path within the location.
func WithVertex(project, region string) Option {
	return func(c *Client) { c.vertex = &vertex.Location{Project: project, Region: region} }
}

// WithTokenSource sets where the Google access tokens for [WithVertex] come
// from, such as a google.Credentials' TokenSource or an impersonated
// service account's. Tokens are renewed a minute before they expire. By
// default a token is taken from GOOGLE_OAUTH_ACCESS_TOKEN (used as is until
// it expires), or else from Google's application-default credentials,
// looked up at the first request. Tokens are never logged, and a server
// quoting one back has it redacted from the error.
func WithTokenSource(ts oauth2.TokenSource) Option { return func(c *Client) { c.tokens = ts } }

// WithHeader adds a header to every request.
func WithHeader(key, value string) Option { return func(c *Client) { c.header.Add(key, value) } }

// New returns a client configured by the environment and then by opts.
// With [WithVertex] it needs no API key and sends none.
//
// The API key is taken from GEMINI_API_KEY, or else from GOOGLE_API_KEY;
// GEMINI_API_KEY wins when both are set because GOOGLE_API_KEY often holds
// a key for another Google API. WithAPIKey overrides both. New fails when
// no key is found or the base URL is not an http(s) URL. The key travels
// in the x-goog-api-key header, never in a URL, so it cannot leak into
// error messages that quote URLs.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		caller: httpx.Caller{
			Provider:   provider,
			ParseError: parseError,
		},
		key:    os.Getenv("GEMINI_API_KEY"),
		header: http.Header{},
	}
	if c.key == "" {
		c.key = os.Getenv("GOOGLE_API_KEY")
	}
	for _, opt := range opts {
		opt(c)
	}
	switch {
	case c.vertex != nil:
		if err := c.vertex.Check(provider); err != nil {
			return nil, err
		}
		c.key = ""
		c.tokens = vertex.TokenSource(c.tokens)
		c.baseURL = cmp.Or(c.baseURL, c.vertex.BaseURL())
	case c.tokens != nil:
		return nil, errors.New("gemini: WithTokenSource is for Gemini on Vertex AI: add WithVertex, or leave it out and use an API key")
	case c.key == "":
		return nil, errors.New("gemini: no API key: set GEMINI_API_KEY or pass gemini.WithAPIKey")
	default:
		c.baseURL = cmp.Or(c.baseURL, DefaultBaseURL)
	}
	if c.caller.MaxResponse < 0 {
		return nil, fmt.Errorf("gemini: WithMaxResponseSize(%d): the bound must be positive (0 for the default)", c.caller.MaxResponse)
	}
	u, err := url.Parse(c.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gemini: base URL %q is not an http(s) URL such as %s", c.baseURL, DefaultBaseURL)
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.vertex != nil {
		c.baseURL += c.vertex.Path()
	}
	return c, nil
}

// Generate sends req to generateContent and returns the whole response.
//
// A response whose finish reason is MALFORMED_FUNCTION_CALL,
// UNEXPECTED_TOOL_CALL or TOO_MANY_TOOL_CALLS is an error wrapping
// [llm.ErrMalformedToolCall] with Gemini's finishMessage; sampling again
// may succeed. Failed calls are [*llm.APIError]s, transport failures wrap
// [llm.ErrConnection], and once ctx is done Generate returns its cause.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	asm, resp, err := c.send(ctx, req, false)
	if err != nil {
		return nil, err
	}
	var body generateResponse
	if err := c.caller.DecodeJSON(ctx, resp, &body); err != nil {
		return nil, err
	}
	if _, err := asm.add(&body); err != nil {
		return nil, c.caller.Redact(resp, err)
	}
	if len(body.Candidates) == 0 && asm.blocked == nil {
		return nil, errors.New("gemini: the response has no candidate and does not say why")
	}
	out, err := asm.response()
	if err != nil {
		return nil, c.caller.Redact(resp, err)
	}
	out.RequestID = c.caller.RequestID(resp.Header)
	return out, nil
}

// Stream sends req to streamGenerateContent and yields its events as they
// arrive, ending with [llm.EventDone] and the response Generate would have
// returned. A stream that ends without a finish reason, or is cut inside
// an event, fails with an error wrapping [llm.ErrConnection]. Stopping the
// range closes the connection; once ctx is done the stream ends with its
// cause.
func (c *Client) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		asm, resp, err := c.send(ctx, req, true)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		defer resp.Body.Close()
		stopped, err := readStream(c.caller.Body(resp), asm, func(ev llm.Event) bool { return yield(ev, nil) })
		if stopped {
			return
		}
		if err != nil {
			var ioErr readError
			if errors.As(err, &ioErr) {
				err = c.caller.TransportError(ctx, ioErr.err)
			}
			yield(llm.Event{}, c.caller.Redact(resp, err))
			return
		}
		out, err := asm.response()
		if err != nil {
			yield(llm.Event{}, c.caller.Redact(resp, err))
			return
		}
		out.RequestID = c.caller.RequestID(resp.Header)
		u := out.Usage
		if yield(llm.Event{Kind: llm.EventUsage, Usage: &u}, nil) {
			yield(llm.Event{Kind: llm.EventDone, Response: out}, nil)
		}
	}
}

// send encodes req and posts it, returning the assembler for its answer
// and the HTTP response, whose body the caller closes.
func (c *Client) send(ctx context.Context, req *llm.Request, stream bool) (*assembler, *http.Response, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, nil, fmt.Errorf("gemini: %w", err)
	}
	model := req.Model
	if model == "" {
		model = c.model
	}
	if model == "" {
		return nil, nil, errors.New("gemini: no model: set Request.Model or pass gemini.WithModel")
	}
	body, err := encodeRequest(req)
	if err != nil {
		return nil, nil, err
	}
	path := modelPath(model)
	header := c.header.Clone()
	if c.vertex != nil {
		path = vertexModelPath(model)
		if err := vertex.Authorize(header, c.tokens, provider); err != nil {
			return nil, nil, err
		}
	} else {
		header.Set("x-goog-api-key", c.key)
	}
	endpoint := c.baseURL + "/" + path + ":generateContent"
	if stream {
		endpoint = c.baseURL + "/" + path + ":streamGenerateContent?alt=sse"
	}
	resp, err := c.caller.PostJSON(ctx, endpoint, header, body)
	if err != nil {
		return nil, nil, err
	}
	asm := newAssembler(req, strings.TrimPrefix(model, "models/"))
	asm.streamed = stream
	return asm, resp, nil
}

// modelPath returns the resource path of a model: "models/{model}" for a
// bare name, the name itself when it already is a path such as
// "tunedModels/x".
func modelPath(model string) string {
	if !strings.Contains(model, "/") {
		model = "models/" + model
	}
	segs := strings.Split(model, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// vertexModelPath returns the resource path of a model within a Vertex AI
// location: "publishers/google/models/{model}" for a bare name (or one
// starting "models/"), the name itself when it is a path such as
// "endpoints/123" (a tuned model's endpoint).
func vertexModelPath(model string) string {
	model = strings.TrimPrefix(model, "models/")
	if !strings.Contains(model, "/") {
		model = "publishers/google/models/" + model
	}
	segs := strings.Split(model, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// readError marks a failure to read the stream, as opposed to a stream
// that was read but is wrong.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

// readStream folds the events of an SSE stream of GenerateContentResponse
// chunks into asm and passes the llm events each produces to emit. It
// returns stopped=true as soon as emit does, and a [readError] when the
// body cannot be read to its end (a cut inside an event, or a size bound
// reached, included).
func readStream(body io.Reader, asm *assembler, emit func(llm.Event) bool) (stopped bool, _ error) {
	r := sse.NewReader(body)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, readError{err}
		}
		var chunk generateResponse
		if err := json.Unmarshal(ev.Data, &chunk); err != nil {
			return false, fmt.Errorf("gemini: malformed stream event (%w): %s", err, httpx.Snippet(ev.Data))
		}
		evs, err := asm.add(&chunk)
		if err != nil {
			return false, err
		}
		for _, e := range evs {
			if !emit(e) {
				return true, nil
			}
		}
	}
}
