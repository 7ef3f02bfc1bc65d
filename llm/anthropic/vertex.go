package anthropic

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/internal/vertex"
)

// VertexVersion is the anthropic_version sent in the body of requests to
// Claude on Vertex AI.
const VertexVersion = "vertex-2023-10-16"

// WithVertex sends requests to Claude on Google Vertex AI, in the given
// Google Cloud project and region (such as "us-east5", or "global"),
// instead of to the Messages API. Requests go to
//
//	https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict
//
// (:streamRawPredict for a stream; the global region's host has no region
// prefix), with the model in the URL instead of the body, "anthropic_version"
// set to [VertexVersion], and a Google access token as a bearer token
// instead of an API key: see [WithTokenSource]. Model ids are Vertex AI's,
// such as "claude-sonnet-4-5@20250929". [WithBaseURL] replaces the scheme and
// host, for a proxy or a test server; ANTHROPIC_API_KEY and
// ANTHROPIC_BASE_URL are not read.
func WithVertex(project, region string) Option {
	return func(c *config) { c.vertex = &vertex.Location{Project: project, Region: region} }
}

// WithTokenSource sets where the Google access tokens for [WithVertex] come
// from, such as a google.Credentials' TokenSource or an impersonated
// service account's. Tokens are renewed a minute before they expire. By
// default a token is taken from GOOGLE_OAUTH_ACCESS_TOKEN (used as is until
// it expires), or else from Google's application-default credentials,
// looked up at the first request. Tokens are never logged, and a server
// quoting one back has it redacted from the error.
func WithTokenSource(ts oauth2.TokenSource) Option { return func(c *config) { c.tokens = ts } }

// vertexRoute sends requests to Claude on Vertex AI.
type vertexRoute struct {
	loc    vertex.Location
	base   string
	tokens oauth2.TokenSource
}

func newVertex(cfg *config) (*Client, error) {
	if err := cfg.vertex.Check("anthropic"); err != nil {
		return nil, err
	}
	if cfg.baseURL == "" {
		cfg.baseURL = cfg.vertex.BaseURL()
	}
	// The version travels in the body; other headers (anthropic-beta)
	// are passed on.
	h := cfg.header.Clone()
	h.Del("anthropic-version")
	h.Del("x-api-key")
	c, err := newClient(cfg, h)
	if err != nil {
		return nil, err
	}
	c.vertex = &vertexRoute{loc: *cfg.vertex, base: strings.TrimRight(cfg.baseURL, "/"), tokens: vertex.TokenSource(cfg.tokens)}
	return c, nil
}

func (v *vertexRoute) post(ctx context.Context, c *Client, body *wireRequest) (*http.Response, error) {
	method := ":rawPredict"
	if body.Stream {
		method = ":streamRawPredict"
	}
	url := v.base + v.loc.Path("publishers", "anthropic", "models", body.Model) + method
	body.Model, body.AnthropicVersion = "", VertexVersion
	header := c.header.Clone()
	if err := vertex.Authorize(header, v.tokens, "anthropic"); err != nil {
		return nil, err
	}
	return c.caller.PostJSON(ctx, url, header, body)
}
