package vertex

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/llm"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLocation(t *testing.T) {
	l := Location{Project: "my-project", Region: "us-east5"}
	require.NoError(t, l.Check("p"))
	assert.Equal(t, "https://us-east5-aiplatform.googleapis.com", l.BaseURL())
	assert.Equal(t, "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-x@20250101",
		l.Path("publishers", "anthropic", "models", "claude-x@20250101"))
	assert.Equal(t, "https://aiplatform.googleapis.com", Location{Project: "p", Region: "global"}.BaseURL(),
		"the global region has no region prefix")
	assert.Equal(t, "/v1/projects/a%2Fb/locations/global/models/x%3Fy", Location{Project: "a/b", Region: "global"}.Path("models", "x?y"))

	for _, bad := range []Location{{"", "us-east5"}, {"p", ""}, {"p", "evil.com/x"}, {"p", "US-EAST5"}, {"p", "-x"}} {
		err := bad.Check("anthropic")
		require.Error(t, err, "%+v", bad)
		assert.ErrorContains(t, err, "anthropic: WithVertex")
	}
}

// counter issues tokens "t1", "t2", … valid for an hour.
type counter struct{ n atomic.Int32 }

func (c *counter) Token() (*oauth2.Token, error) {
	n := c.n.Add(1)
	return &oauth2.Token{AccessToken: fmt.Sprintf("t%d", n), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

// A token is reused until a minute before it expires, then renewed; a
// caller's own caching source keeps its own rule.
func TestTokenSourceRenewsBeforeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &counter{}
		ts := TokenSource(src)
		token := func() string {
			tok, err := ts.Token()
			require.NoError(t, err)
			return tok.AccessToken
		}
		assert.Equal(t, "t1", token())
		time.Sleep(58 * time.Minute)
		assert.Equal(t, "t1", token(), "reused while it has more than a minute left")
		assert.Equal(t, int32(1), src.n.Load())
		time.Sleep(90 * time.Second)
		assert.Equal(t, "t2", token(), "renewed within a minute of expiry, before it lapsed")
	})
	synctest.Test(t, func(t *testing.T) {
		src := &counter{}
		own := oauth2.ReuseTokenSource(nil, src)
		_ = TokenSource(own)
		_, _ = own.Token()
		time.Sleep(59*time.Minute + 30*time.Second)
		tok, err := own.Token()
		require.NoError(t, err)
		assert.Equal(t, "t1", tok.AccessToken, "the caller's source was changed")
	})
}

func TestTokenFromTheEnvironment(t *testing.T) {
	t.Setenv(TokenEnv, "ya29.from-env")
	h := http.Header{}
	require.NoError(t, Authorize(h, TokenSource(nil), "p"))
	assert.Equal(t, "Bearer ya29.from-env", h.Get("Authorization"))
}

// Without a token in the environment, application-default credentials are
// used: here a user's credentials file whose token endpoint is a local
// server, so that nothing leaves the machine.
func TestApplicationDefaultCredentials(t *testing.T) {
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		require.NoError(t, r.ParseForm())
		assert.Equal(t, "refresh_token", r.Form.Get("grant_type"))
		assert.Equal(t, "rt-secret", r.Form.Get("refresh_token"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"ya29.adc-%d","token_type":"Bearer","expires_in":3600}`, fetched.Load())
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "adc.json")
	require.NoError(t, os.WriteFile(file, fmt.Appendf(nil,
		`{"type":"authorized_user","client_id":"cid","client_secret":"cs","refresh_token":"rt-secret","token_uri":%q}`, srv.URL), 0o600))
	t.Setenv(TokenEnv, "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)

	ts := TokenSource(nil)
	assert.Zero(t, fetched.Load(), "nothing is looked up before the first request")
	for range 3 {
		h := http.Header{}
		require.NoError(t, Authorize(h, ts, "p"))
		assert.Equal(t, "Bearer ya29.adc-1", h.Get("Authorization"))
	}
	assert.Equal(t, int32(1), fetched.Load(), "the token is reused")
	srv.CloseClientConnections()
}

func TestAuthorizeFailures(t *testing.T) {
	t.Setenv(TokenEnv, "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
	err := Authorize(http.Header{}, TokenSource(nil), "gemini")
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.ErrorContains(t, err, "gemini: ")
	assert.ErrorContains(t, err, "WithTokenSource")
	assert.False(t, llm.IsRetryable(err))

	empty := oauth2.StaticTokenSource(&oauth2.Token{})
	assert.ErrorContains(t, Authorize(http.Header{}, TokenSource(empty), "p"), "empty token")
}
