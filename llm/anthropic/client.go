package anthropic

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/internal/vertex"
	"github.com/conclave-dev/conclave/llm"
)

const (
	// DefaultBaseURL is the API's address, used unless ANTHROPIC_BASE_URL or
	// [WithBaseURL] says otherwise.
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultMaxTokens bounds the output of a request whose MaxTokens is 0,
	// unless [WithMaxTokens] says otherwise. Every Claude model accepts it.
	DefaultMaxTokens = 4096
	// Version is the anthropic-version header sent with every request.
	Version = "2023-06-01"
)

// Client calls the Anthropic Messages API. It implements [llm.Model] and
// [llm.Streamer]. A Client is safe for concurrent use and holds no state
// between calls.
type Client struct {
	caller    httpx.Caller
	url       string
	header    http.Header
	model     string
	maxTokens int
	adaptive  *bool        // WithAdaptiveThinking; nil: guess from the model id
	vertex    *vertexRoute // WithVertex; nil: the Messages API
}

var _ llm.Streamer = (*Client)(nil)

// An Option configures a [Client].
type Option func(*config)

type config struct {
	apiKey    string
	baseURL   string // WithBaseURL
	http      *http.Client
	model     string
	maxTokens int
	header    http.Header
	adaptive  *bool
	maxResp   int64
	vertex    *vertex.Location
	tokens    oauth2.TokenSource
}

// WithAPIKey sets the API key, overriding ANTHROPIC_API_KEY.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithBaseURL sets the API's address (scheme and host, and a path prefix if
// a proxy needs one; "/v1/messages" is appended), overriding
// ANTHROPIC_BASE_URL.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHTTPClient sets the HTTP client; nil means http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.http = hc } }

// WithModel sets the model used when a request's Model is empty.
func WithModel(model string) Option { return func(c *config) { c.model = model } }

// WithMaxTokens sets the output bound used when a request's MaxTokens is 0
// (default [DefaultMaxTokens]).
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// WithMaxResponseSize bounds the bytes read from one response, whole or
// streamed (default 64 MiB; a 128k-token answer streams in about 30 MB). A
// response over the bound fails with an error wrapping
// [llm.ErrResponseTooLarge], and the memory a response takes stays within a
// small multiple of the bound.
func WithMaxResponseSize(n int64) Option { return func(c *config) { c.maxResp = n } }

// WithAdaptiveThinking says whether the model takes adaptive thinking
// (thinking {type:"adaptive"} with an effort), overriding the guess made
// from the model id: Claude 4.6 and later do, earlier ones take a manual
// budget. Use it for model ids the client cannot read, such as a gateway's
// own names.
func WithAdaptiveThinking(on bool) Option { return func(c *config) { c.adaptive = &on } }

// WithHeader adds a header to every request, such as an anthropic-beta
// flag. It may replace anthropic-version but not x-api-key: use
// [WithAPIKey] for that.
func WithHeader(name, value string) Option {
	return func(c *config) { c.header.Add(name, value) }
}

// New returns a Client configured from the environment (ANTHROPIC_API_KEY,
// ANTHROPIC_BASE_URL) and then from opts. It fails when there is no API key
// or the base URL is not an http(s) URL. With [WithVertex] it needs no API
// key and reads neither variable.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		apiKey:    os.Getenv("ANTHROPIC_API_KEY"),
		maxTokens: DefaultMaxTokens,
		header:    http.Header{},
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.vertex != nil {
		return newVertex(&cfg)
	}
	if cfg.tokens != nil {
		return nil, errors.New("anthropic: WithTokenSource is for Claude on Vertex AI: add WithVertex, or leave it out and use an API key")
	}
	if cfg.apiKey == "" {
		return nil, errors.New("anthropic: no API key: set ANTHROPIC_API_KEY or pass WithAPIKey")
	}
	if cfg.baseURL == "" {
		cfg.baseURL = cmp.Or(os.Getenv("ANTHROPIC_BASE_URL"), DefaultBaseURL)
	}
	h := cfg.header.Clone()
	h.Set("x-api-key", cfg.apiKey)
	if h.Get("anthropic-version") == "" {
		h.Set("anthropic-version", Version)
	}
	c, err := newClient(&cfg, h)
	if err != nil {
		return nil, err
	}
	c.url = strings.TrimRight(cfg.baseURL, "/") + "/v1/messages"
	return c, nil
}

// newClient checks what both routes share and returns a client sending
// header with every request.
func newClient(cfg *config, header http.Header) (*Client, error) {
	u, err := url.Parse(cfg.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("anthropic: base URL %q is not an http(s) URL: fix ANTHROPIC_BASE_URL or WithBaseURL", cfg.baseURL)
	}
	if cfg.maxTokens <= 0 {
		return nil, fmt.Errorf("anthropic: WithMaxTokens(%d): the output bound must be positive", cfg.maxTokens)
	}
	if cfg.maxResp < 0 {
		return nil, fmt.Errorf("anthropic: WithMaxResponseSize(%d): the bound must be positive (0 for the default)", cfg.maxResp)
	}
	return &Client{
		caller: httpx.Caller{
			Provider:         "anthropic",
			HTTP:             cfg.http,
			RequestIDHeaders: []string{"request-id"},
			ParseError:       parseError,
			MaxResponse:      cfg.maxResp,
		},
		header:    header,
		model:     cfg.model,
		maxTokens: cfg.maxTokens,
		adaptive:  cfg.adaptive,
	}, nil
}

// Generate sends req and returns the whole response. Errors from the API
// are [*llm.APIError]; a request the API would reject (see the package doc)
// fails before anything is sent. Generate returns promptly with ctx's cause
// once ctx is done.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	body, err := c.request(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	var msg wireMessage
	if err := c.caller.DecodeJSON(ctx, resp, &msg); err != nil {
		return nil, err
	}
	out, err := msg.response()
	if err != nil {
		return nil, c.caller.Redact(resp, err)
	}
	out.RequestID = c.caller.RequestID(resp.Header)
	return out, nil
}

// Stream sends req with streaming on and yields its events as they arrive,
// ending with [llm.EventDone] carrying the Response Generate would have
// returned. A tool call is yielded as [llm.EventToolCallDelta] fragments and
// then whole, as [llm.EventToolCall], when its block ends. Usage events
// carry the counts so far: the input at the start, the output at the end.
//
// A stream that ends before the API's message_stop, or inside an event, is
// an error wrapping [llm.ErrConnection]; an error event in the stream is an
// [*llm.APIError]. Stopping the range closes the connection before the range
// statement ends; once ctx is done the stream ends with ctx's cause.
func (c *Client) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		body, err := c.request(req, true)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		resp, err := c.post(ctx, body)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		defer resp.Body.Close()
		dec := &decoder{requestID: c.caller.RequestID(resp.Header)}
		for ev, err := range dec.events(c.caller.Body(resp)) {
			if ctx.Err() != nil {
				// The caller ended the call; a read cut short by that is no
				// connection failure.
				yield(llm.Event{}, fmt.Errorf("anthropic: %w", context.Cause(ctx)))
				return
			}
			if err != nil {
				yield(llm.Event{}, c.caller.Redact(resp, err))
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// post sends body to the Messages API, or to Vertex AI.
func (c *Client) post(ctx context.Context, body *wireRequest) (*http.Response, error) {
	if c.vertex != nil {
		return c.vertex.post(ctx, c, body)
	}
	return c.caller.PostJSON(ctx, c.url, c.header, body)
}

// errorBody is the API's error response, also sent as an error event in a
// stream. Vertex AI answers some failures (quota, credentials) in Google's
// format instead, with a status in place of the type.
type errorBody struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// parseError reads an error body into e and names the condition it stands
// for; the status code's default condition applies otherwise.
func parseError(status int, body []byte, e *llm.APIError) {
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return
	}
	e.Type, e.Message = cmp.Or(b.Error.Type, b.Error.Status), b.Error.Message
	if e.RequestID == "" {
		e.RequestID = b.RequestID
	}
	e.Err = condition(b.Error.Type, b.Error.Message)
}

// condition maps an API error type to the llm condition it stands for, or
// nil. The type is more telling than the status, which for an error event
// in a stream is the 200 the stream began with.
func condition(typ, msg string) error {
	switch typ {
	case "rate_limit_error":
		return llm.ErrRateLimited
	case "overloaded_error":
		return llm.ErrOverloaded
	case "authentication_error", "permission_error":
		return llm.ErrAuth
	case "request_too_large":
		// The body is over the API's byte limit: as with too many tokens,
		// the remedy is a shorter history.
		return llm.ErrContextLength
	case "invalid_request_error":
		m := strings.ToLower(msg)
		if strings.Contains(m, "prompt is too long") || strings.Contains(m, "exceed context limit") {
			return llm.ErrContextLength
		}
	}
	return nil
}

// errorStatus is the HTTP status the API documents for each error type. An
// error event in a stream arrives after a 200, so its [llm.APIError] takes
// the status of its type: an overload mid-stream is then as retryable as a
// 529 before it.
var errorStatus = map[string]int{
	"invalid_request_error": http.StatusBadRequest,
	"authentication_error":  http.StatusUnauthorized,
	"billing_error":         http.StatusPaymentRequired,
	"permission_error":      http.StatusForbidden,
	"not_found_error":       http.StatusNotFound,
	"request_too_large":     http.StatusRequestEntityTooLarge,
	"rate_limit_error":      http.StatusTooManyRequests,
	"api_error":             http.StatusInternalServerError,
	"timeout_error":         http.StatusGatewayTimeout,
	"overloaded_error":      529,
}
