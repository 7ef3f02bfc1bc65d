package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/llm"
)

// DefaultBaseURL is the base URL used when neither [WithBaseURL] nor the
// OPENAI_BASE_URL environment variable names another.
const DefaultBaseURL = "https://api.openai.com/v1"

// Option configures a [Client] or a [ResponsesClient]. Options are applied in
// order over the defaults taken from the environment.
type Option func(*config)

type config struct {
	apiKey     string
	keySet     bool
	baseURL    string
	baseSet    bool
	httpClient *http.Client
	model      string
	header     http.Header
	azure      *azureConfig
	strict     *bool
	summary    string
	maxResp    int64
}

type azureConfig struct{ endpoint, deployment, apiVersion string }

// WithAPIKey sets the API key, sent as a Bearer token (or as the api-key
// header with [WithAzure]). It overrides OPENAI_API_KEY. An empty key sends
// no credentials, which local servers such as Ollama accept.
func WithAPIKey(key string) Option {
	return func(c *config) { c.apiKey, c.keySet = key, true }
}

// WithBaseURL sets the base URL of an OpenAI-compatible server, such as
// "http://localhost:11434/v1" for Ollama or "https://openrouter.ai/api/v1".
// It overrides OPENAI_BASE_URL. OPENAI_API_KEY is not sent to a base URL
// given here unless its host is api.openai.com: pass the server's own key
// with [WithAPIKey].
func WithBaseURL(baseURL string) Option {
	return func(c *config) { c.baseURL, c.baseSet = baseURL, true }
}

// WithHTTPClient sets the HTTP client; nil means [http.DefaultClient]. Give
// it no overall Timeout, which would cut long streams: bound calls with the
// context instead.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}

// WithModel sets the model used when [llm.Request.Model] is empty.
func WithModel(model string) Option {
	return func(c *config) { c.model = model }
}

// WithHeader adds a header to every request, such as OpenRouter's
// HTTP-Referer or X-Title.
func WithHeader(key, value string) Option {
	return func(c *config) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Add(key, value)
	}
}

// WithOrganization sends the OpenAI-Organization header, for keys that
// belong to several organizations.
func WithOrganization(id string) Option { return WithHeader("OpenAI-Organization", id) }

// WithProject sends the OpenAI-Project header.
func WithProject(id string) Option { return WithHeader("OpenAI-Project", id) }

// WithAzure targets an Azure OpenAI deployment: endpoint is the resource's
// URL (https://NAME.openai.azure.com), deployment the deployment's name
// (also the default model) and apiVersion the api-version query parameter.
// The key goes in the api-key header and defaults to AZURE_OPENAI_API_KEY.
//
// Chat Completions are sent to
// {endpoint}/openai/deployments/{deployment}/chat/completions?api-version={apiVersion}.
// The Responses API is sent to {endpoint}/openai/v1/responses when
// apiVersion is "" or "v1", and to
// {endpoint}/openai/responses?api-version={apiVersion} otherwise.
func WithAzure(endpoint, deployment, apiVersion string) Option {
	return func(c *config) { c.azure = &azureConfig{endpoint, deployment, apiVersion} }
}

// WithStrictTools turns OpenAI's strict mode for tool schemas on or off. By
// default it is on for api.openai.com and off for every other server,
// because compatible servers support strict mode unevenly. See the package
// documentation for what strict mode does to a schema.
func WithStrictTools(on bool) Option {
	return func(c *config) { c.strict = &on }
}

// WithReasoningSummary asks the Responses API for summaries of the model's
// reasoning ("auto", "concise" or "detailed"), returned as the text of
// [llm.KindReasoning] parts. Without it reasoning parts carry no text. Some
// organizations must be verified before OpenAI grants summaries. Chat
// Completions ignore this option.
func WithReasoningSummary(mode string) Option {
	return func(c *config) { c.summary = mode }
}

// WithMaxResponseSize bounds the bytes read from one response, whole or
// streamed (default 64 MiB; a 128k-token answer streams in about 30 MB). A
// response over the bound fails with an error wrapping
// [llm.ErrResponseTooLarge], and the memory a response takes stays within a
// small multiple of the bound.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) { c.maxResp = n }
}

// api is the endpoint a transport speaks.
type api int

const (
	chatAPI api = iota
	responsesAPI
)

// transport is what both clients share: where to send, with which headers,
// and how to read errors. It is immutable after construction.
type transport struct {
	caller httpx.Caller
	url    string
	header http.Header
	// auth adds the credentials to a request's headers; the key lives only
	// in this closure so that printing a client cannot show it.
	auth  func(http.Header)
	model string
	// strict is the default for tool schemas; official is true for
	// api.openai.com and Azure, which take max_completion_tokens.
	strict   bool
	official bool
	summary  string
}

func newTransport(which api, opts []Option) (*transport, error) {
	var c config
	c.baseURL = os.Getenv("OPENAI_BASE_URL")
	for _, opt := range opts {
		opt(&c)
	}
	if c.maxResp < 0 {
		return nil, fmt.Errorf("openai: WithMaxResponseSize(%d): the bound must be positive (0 for the default)", c.maxResp)
	}
	t := &transport{
		caller: httpx.Caller{
			Provider:         "openai",
			HTTP:             c.httpClient,
			RequestIDHeaders: []string{"x-request-id", "apim-request-id"},
			ParseError:       parseError,
			MaxResponse:      c.maxResp,
		},
		header:  c.header.Clone(),
		model:   c.model,
		summary: c.summary,
	}
	if t.header == nil {
		t.header = http.Header{}
	}
	key := c.apiKey
	if c.azure != nil {
		if err := t.azure(which, c.azure); err != nil {
			return nil, err
		}
		if !c.keySet {
			key = os.Getenv("AZURE_OPENAI_API_KEY")
		}
		if key == "" {
			return nil, errors.New("openai: no API key for Azure: set AZURE_OPENAI_API_KEY or use WithAPIKey")
		}
		t.auth = func(h http.Header) { h.Set("api-key", key) }
	} else {
		base := c.baseURL
		if base == "" {
			base = DefaultBaseURL
		}
		u, err := parseURL("base URL", base)
		if err != nil {
			return nil, err
		}
		t.official = u.Hostname() == "api.openai.com"
		// The environment's key goes only where the environment (or
		// OpenAI itself) is the destination, never to a server named in code.
		if !c.keySet && (!c.baseSet || t.official) {
			key = os.Getenv("OPENAI_API_KEY")
		}
		if t.official && key == "" {
			return nil, errors.New("openai: no API key for api.openai.com: set OPENAI_API_KEY or use WithAPIKey")
		}
		t.url = strings.TrimSuffix(base, "/") + "/chat/completions"
		if which == responsesAPI {
			t.url = strings.TrimSuffix(base, "/") + "/responses"
		}
		t.auth = func(h http.Header) {
			if key != "" {
				h.Set("Authorization", "Bearer "+key)
			}
		}
	}
	t.strict = t.official && c.azure == nil
	if c.strict != nil {
		t.strict = *c.strict
	}
	return t, nil
}

func (t *transport) azure(which api, az *azureConfig) error {
	u, err := parseURL("Azure endpoint", az.endpoint)
	if err != nil {
		return err
	}
	if az.deployment == "" {
		return errors.New("openai: WithAzure needs a deployment name")
	}
	if t.model == "" {
		t.model = az.deployment
	}
	t.official = true
	endpoint := strings.TrimSuffix(u.String(), "/")
	switch {
	case which == chatAPI && az.apiVersion == "":
		return errors.New(`openai: WithAzure needs an api-version for Chat Completions, such as "2024-10-21"`)
	case which == chatAPI:
		t.url = endpoint + "/openai/deployments/" + url.PathEscape(az.deployment) +
			"/chat/completions?api-version=" + url.QueryEscape(az.apiVersion)
	case az.apiVersion == "" || az.apiVersion == "v1":
		t.url = endpoint + "/openai/v1/responses"
	default:
		t.url = endpoint + "/openai/responses?api-version=" + url.QueryEscape(az.apiVersion)
	}
	return nil
}

func parseURL(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: %s %q is not an http(s) URL; give one like %q", what, s, DefaultBaseURL)
	}
	return u, nil
}

// modelFor returns the model a request is for.
func (t *transport) modelFor(req *llm.Request) (string, error) {
	if req == nil {
		return "", errors.New("openai: nil request")
	}
	if req.Model != "" {
		return req.Model, nil
	}
	if t.model == "" {
		return "", errors.New("openai: no model: set Request.Model or use WithModel")
	}
	return t.model, nil
}

// post sends body and returns the response when its status is 2xx.
func (t *transport) post(ctx context.Context, body any, stream bool) (*http.Response, error) {
	h := t.header.Clone()
	t.auth(h)
	if stream {
		h.Set("Accept", "text/event-stream")
	} else {
		h.Set("Accept", "application/json")
	}
	return t.caller.PostJSON(ctx, t.url, h, body)
}

// explain rewrites the message of errors whose fix the server does not
// name.
func (t *transport) explain(err error, model string) error {
	var apiErr *llm.APIError
	if errors.Is(err, ErrToolsUnsupported) && errors.As(err, &apiErr) {
		apiErr.Message = fmt.Sprintf("model %q does not support tools: use a model with tool support "+
			"(for Ollama, one tagged \"tools\" at ollama.com/search?c=tools) or send the request without Tools (server said: %s)",
			model, apiErr.Message)
	}
	return err
}
