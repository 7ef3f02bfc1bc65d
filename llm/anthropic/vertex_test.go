package anthropic

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/llm"
)

// vertexCall is a request as Vertex AI received it.
type vertexCall struct {
	URL    string
	Header http.Header
	Body   map[string]json.RawMessage
}

// vertexAPI answers, in memory, every request with the fixture name: the
// .json for rawPredict, the .sse for streamRawPredict, as Vertex AI
// forwards Claude's answers unchanged. It records the full URL.
type vertexAPI struct {
	t     *testing.T
	name  string
	mu    sync.Mutex
	calls []vertexCall
}

func (v *vertexAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	raw, _ := io.ReadAll(r.Body)
	call := vertexCall{URL: r.URL.String(), Header: r.Header.Clone()}
	require.NoError(v.t, json.Unmarshal(raw, &call.Body))
	v.mu.Lock()
	v.calls = append(v.calls, call)
	v.mu.Unlock()
	rec := httptest.NewRecorder()
	var stream bool
	_ = json.Unmarshal(call.Body["stream"], &stream)
	if stream {
		rec.Header().Set("Content-Type", "text/event-stream")
		rec.Write(readFixture(v.t, v.name+".sse"))
	} else {
		rec.Header().Set("Content-Type", "application/json")
		rec.Write(readFixture(v.t, v.name+".json"))
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

func (v *vertexAPI) last() vertexCall {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[len(v.calls)-1]
}

// Claude on Vertex AI: rawPredict and streamRawPredict at the region's
// host (none for global), the model in the URL and not in the body,
// anthropic_version in the body, a bearer token and no API key; the
// answers parse as from the Messages API.
func TestVertex(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-be-sent")
	t.Setenv("ANTHROPIC_BASE_URL", "https://must-not-be-used.test")
	const model = "claude-sonnet-4-5@20250929"
	for _, tt := range []struct{ region, host string }{
		{"us-east5", "https://us-east5-aiplatform.googleapis.com"},
		{"global", "https://aiplatform.googleapis.com"},
	} {
		t.Run(tt.region, func(t *testing.T) {
			api := &vertexAPI{t: t, name: "tool"}
			c, err := New(WithVertex("my-project", tt.region), WithModel(model), WithHeader("anthropic-beta", "context-1m-2025-08-07"),
				WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.vertex-token"})),
				WithHTTPClient(&http.Client{Transport: api}))
			require.NoError(t, err)
			req := &llm.Request{System: "Be brief.", Messages: []llm.Message{llm.UserText("List the files.")}, MaxTokens: 500,
				Tools: []llm.ToolSpec{{Name: "bash", Description: "Run a command.", Schema: json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"}}}`)}}}
			want := fixtures[1].want
			require.Equal(t, "tool", fixtures[1].name)

			resp, err := c.Generate(t.Context(), req)
			require.NoError(t, err)
			call := api.last()
			base := tt.host + "/v1/projects/my-project/locations/" + tt.region + "/publishers/anthropic/models/" + model
			assert.Equal(t, base+":rawPredict", call.URL)
			checkVertexRequest(t, call)
			assert.NotContains(t, call.Body, "stream")
			assert.Equal(t, want.Message, resp.Message)
			assert.Equal(t, want.Usage, resp.Usage)
			assert.Equal(t, want.StopReason, resp.StopReason)

			streamed, err := llm.Collect(c.Stream(t.Context(), req))
			require.NoError(t, err)
			call = api.last()
			assert.Equal(t, base+":streamRawPredict", call.URL)
			checkVertexRequest(t, call)
			assert.JSONEq(t, `true`, string(call.Body["stream"]))
			assert.Equal(t, resp.Message, streamed.Message)
			assert.Equal(t, resp.Usage, streamed.Usage)
		})
	}
}

func checkVertexRequest(t *testing.T, call vertexCall) {
	t.Helper()
	assert.Equal(t, "Bearer ya29.vertex-token", call.Header.Get("Authorization"))
	assert.Empty(t, call.Header.Get("x-api-key"), "no API key goes to Vertex AI")
	assert.Empty(t, call.Header.Get("anthropic-version"), "the version is in the body")
	assert.Equal(t, "context-1m-2025-08-07", call.Header.Get("anthropic-beta"))
	assert.NotContains(t, call.Body, "model", "the model is in the URL")
	assert.JSONEq(t, `"vertex-2023-10-16"`, string(call.Body["anthropic_version"]))
	assert.JSONEq(t, `500`, string(call.Body["max_tokens"]))
	assert.JSONEq(t, `[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}]`, string(call.Body["system"]))
	assert.JSONEq(t, `[{"role":"user","content":[{"type":"text","text":"List the files.","cache_control":{"type":"ephemeral"}}]}]`, string(call.Body["messages"]))
	assert.JSONEq(t, `[{"name":"bash","description":"Run a command.","input_schema":{"type":"object","properties":{"command":{"type":"string"}}},
		"cache_control":{"type":"ephemeral"}}]`, string(call.Body["tools"]))
}

// Each request carries a current token: one about to expire is renewed
// before it is sent.
func TestVertexRenewsTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		src := oauth2.TokenSource(tokenFunc(func() (*oauth2.Token, error) {
			n++
			return &oauth2.Token{AccessToken: "ya29.token-" + string(rune('0'+n)), Expiry: time.Now().Add(time.Hour)}, nil
		}))
		api := &vertexAPI{t: t, name: "text"}
		c, err := New(WithVertex("p", "us-east5"), WithModel("claude-x"), WithTokenSource(src), WithHTTPClient(&http.Client{Transport: api}))
		require.NoError(t, err)
		for _, wait := range []time.Duration{0, 30 * time.Minute, 29*time.Minute + 30*time.Second} {
			time.Sleep(wait)
			_, err := c.Generate(t.Context(), hi)
			require.NoError(t, err)
		}
		var got []string
		for _, call := range api.calls {
			got = append(got, call.Header.Get("Authorization"))
		}
		assert.Equal(t, []string{"Bearer ya29.token-1", "Bearer ya29.token-1", "Bearer ya29.token-2"}, got)
	})
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

func TestVertexOptions(t *testing.T) {
	_, err := New(WithVertex("", "us-east5"))
	assert.ErrorContains(t, err, "WithVertex needs a Google Cloud project")
	_, err = New(WithVertex("p", "us-east5.evil.test/x"))
	assert.ErrorContains(t, err, "is not a region name")
	_, err = New(WithAPIKey(testKey), WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
	assert.ErrorContains(t, err, "WithTokenSource is for Claude on Vertex AI")

	// A token that cannot be had fails the call before anything is sent.
	api := &vertexAPI{t: t, name: "text"}
	c, err := New(WithVertex("p", "global"), WithModel("claude-x"), WithHTTPClient(&http.Client{Transport: api}),
		WithTokenSource(tokenFunc(func() (*oauth2.Token, error) { return nil, io.ErrUnexpectedEOF })))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), hi)
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Empty(t, api.calls)
}
