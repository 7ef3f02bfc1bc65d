// Package vertex is what the anthropic and gemini clients share to reach
// Google Vertex AI: the address of a model in a project and region, and
// Google access tokens, sent as a bearer token instead of an API key.
//
// A token comes from a caller's oauth2.TokenSource, or by default from the
// GOOGLE_OAUTH_ACCESS_TOKEN environment variable (a token printed by
// `gcloud auth print-access-token`, used as is until it expires), or else
// from Google's application-default credentials, looked up on first use.
// Tokens are renewed a minute before they expire, and never appear in
// errors: the provider clients redact the Authorization header's token
// from everything a server sends back.
package vertex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/conclave-dev/conclave/llm"
)

const (
	// TokenEnv names the environment variable holding an access token.
	TokenEnv = "GOOGLE_OAUTH_ACCESS_TOKEN"
	// Scope is the OAuth scope Vertex AI requires.
	Scope = "https://www.googleapis.com/auth/cloud-platform"
	// Global is the region served from the host without a region prefix.
	Global = "global"

	// refreshEarly is how long before its expiry a token is renewed, so
	// that a request never leaves with a token about to lapse.
	refreshEarly = time.Minute
	// fetchTimeout bounds a token request to Google, which
	// oauth2.TokenSource cannot tie to the caller's context.
	fetchTimeout = 30 * time.Second
)

// Location is a project and region of Vertex AI.
type Location struct {
	Project, Region string
}

// regionName is a DNS label, since the region becomes part of a host name.
var regionName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Check reports a location that cannot be addressed, naming the option
// (WithVertex) and the fix, with provider as the prefix.
func (l Location) Check(provider string) error {
	switch {
	case l.Project == "":
		return fmt.Errorf("%s: WithVertex needs a Google Cloud project id, such as \"my-project\"", provider)
	case !regionName.MatchString(l.Region):
		return fmt.Errorf("%s: WithVertex region %q is not a region name such as \"us-east5\" or \"global\"", provider, l.Region)
	}
	return nil
}

// BaseURL returns the Vertex AI endpoint of the region:
// https://{region}-aiplatform.googleapis.com, or
// https://aiplatform.googleapis.com for the global region.
func (l Location) BaseURL() string {
	if l.Region == Global {
		return "https://aiplatform.googleapis.com"
	}
	return "https://" + l.Region + "-aiplatform.googleapis.com"
}

// Path returns the path, under a base URL, of the resource at path within
// the location: /v1/projects/{project}/locations/{region}/{path}. The
// segments of path are escaped one by one.
func (l Location) Path(path ...string) string {
	p := "/v1/projects/" + url.PathEscape(l.Project) + "/locations/" + url.PathEscape(l.Region)
	for _, seg := range path {
		p += "/" + url.PathEscape(seg)
	}
	return p
}

// TokenSource returns a source of tokens for Vertex AI that renews them a
// minute before they expire: from ts when it is not nil (ts itself is left
// as it is), otherwise from the default described in the package doc. It
// is safe for concurrent use.
func TokenSource(ts oauth2.TokenSource) oauth2.TokenSource {
	if ts == nil {
		if tok := os.Getenv(TokenEnv); tok != "" {
			return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"})
		}
		return oauth2.ReuseTokenSourceWithExpiry(nil, &applicationDefault{}, refreshEarly)
	}
	// Wrapped, so that ReuseTokenSourceWithExpiry does not adjust a
	// caller's own reusing source in place.
	return oauth2.ReuseTokenSourceWithExpiry(nil, sourceFunc(ts.Token), refreshEarly)
}

type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

// applicationDefault finds Google's application-default credentials on
// first use, so that building a client reads no file and asks no metadata
// server.
type applicationDefault struct {
	mu sync.Mutex
	ts oauth2.TokenSource
}

func (a *applicationDefault) Token() (*oauth2.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ts == nil {
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: fetchTimeout})
		creds, err := google.FindDefaultCredentials(ctx, Scope)
		if err != nil {
			return nil, fmt.Errorf("no Google credentials (set %s, run `gcloud auth application-default login`, "+
				"or pass WithTokenSource): %w", TokenEnv, err)
		}
		a.ts = oauth2.ReuseTokenSourceWithExpiry(nil, creds.TokenSource, refreshEarly)
	}
	return a.ts.Token()
}

// Authorize sets h's Authorization header to a bearer token from ts. A
// token that cannot be had is an error wrapping [llm.ErrAuth], prefixed by
// provider.
func Authorize(h http.Header, ts oauth2.TokenSource, provider string) error {
	tok, err := ts.Token()
	if err == nil && tok.AccessToken == "" {
		err = errors.New("the token source gave an empty token")
	}
	if err != nil {
		return fmt.Errorf("%s: %w: getting a Google access token: %w", provider, llm.ErrAuth, err)
	}
	h.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}
