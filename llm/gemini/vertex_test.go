package gemini

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/llm"
)

// vertexAPI answers in memory as Vertex AI does for Gemini, recording the
// full URL of every request.
type vertexAPI struct {
	t       *testing.T
	mu      sync.Mutex
	urls    []string
	headers []http.Header
	bodies  []map[string]json.RawMessage
}

const (
	vertexWhole = `{"candidates":[{"content":{"role":"model","parts":[
		{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnLXZlcnRleA=="}]},
		"finishReason":"STOP","avgLogprobs":-0.1}],
		"usageMetadata":{"promptTokenCount":60,"candidatesTokenCount":8,"thoughtsTokenCount":20,"totalTokenCount":88,"trafficType":"ON_DEMAND"},
		"modelVersion":"gemini-2.5-pro","createTime":"2025-10-01T10:00:00.000000Z","responseId":"vx-1"}`
	vertexChunk1 = `{"candidates":[{"content":{"role":"model","parts":[{"text":"Checking.","thought":true}]}}],
		"usageMetadata":{"trafficType":"ON_DEMAND"},"modelVersion":"gemini-2.5-pro","createTime":"2025-10-01T10:00:00.000000Z","responseId":"vx-1"}`
)

func (v *vertexAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]json.RawMessage
	require.NoError(v.t, json.Unmarshal(raw, &body))
	v.mu.Lock()
	v.urls = append(v.urls, r.URL.String())
	v.headers = append(v.headers, r.Header.Clone())
	v.bodies = append(v.bodies, body)
	v.mu.Unlock()
	h := handlerTransport{respond(200, vertexWhole)}
	if r.URL.Query().Get("alt") == "sse" {
		h = handlerTransport{respondSSE(vertexChunk1, vertexWhole)}
	}
	return h.RoundTrip(r)
}

// Gemini on Vertex AI: generateContent and streamGenerateContent?alt=sse
// at the region's host (none for global), a bearer token and no API key,
// the Gemini API's body; the answers parse as from the Gemini API.
func TestVertex(t *testing.T) {
	t.Setenv("GEMINI_API_KEY", "AIza-must-not-be-sent")
	for _, tt := range []struct{ region, host string }{
		{"us-central1", "https://us-central1-aiplatform.googleapis.com"},
		{"global", "https://aiplatform.googleapis.com"},
	} {
		t.Run(tt.region, func(t *testing.T) {
			api := &vertexAPI{t: t}
			c, err := New(WithVertex("my-project", tt.region), WithModel("gemini-2.5-pro"),
				WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.vertex-token"})),
				WithHTTPClient(&http.Client{Transport: api}))
			require.NoError(t, err)
			req := &llm.Request{System: "Be brief.", Messages: []llm.Message{llm.UserText("Weather in Paris?")}, MaxTokens: 256,
				ReasoningBudget: 1024,
				Tools: []llm.ToolSpec{{Name: "get_weather", Description: "Weather for a city.",
					Schema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}}}
			want := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindToolCall,
				ToolCall: &llm.ToolCall{ID: "gemini-call-1", Name: "get_weather", Args: json.RawMessage(`{"city":"Paris"}`)},
				Opaque:   &llm.Opaque{Provider: "gemini", Signature: "c2lnLXZlcnRleA=="}}}}
			base := tt.host + "/v1/projects/my-project/locations/" + tt.region + "/publishers/google/models/gemini-2.5-pro"

			resp, err := c.Generate(t.Context(), req)
			require.NoError(t, err)
			assert.Equal(t, base+":generateContent", api.urls[0])
			checkVertexRequest(t, api.headers[0], api.bodies[0])
			assert.Equal(t, want, resp.Message)
			assert.Equal(t, llm.StopToolUse, resp.StopReason)
			assert.Equal(t, llm.Usage{InputTokens: 60, OutputTokens: 28, ReasoningTokens: 20}, resp.Usage)
			assert.Equal(t, 88, resp.Usage.Total())
			assert.Equal(t, "gemini-2.5-pro", resp.Model)
			assert.Equal(t, "vx-1", resp.ID)

			evs, err := collectEvents(c.Stream(t.Context(), req))
			require.NoError(t, err)
			assert.Equal(t, base+":streamGenerateContent?alt=sse", api.urls[1])
			checkVertexRequest(t, api.headers[1], api.bodies[1])
			streamed := evs[len(evs)-1].Response
			require.NotNil(t, streamed)
			assert.Equal(t, append([]llm.Part{{Kind: llm.KindReasoning, Text: "Checking."}}, want.Parts...), streamed.Message.Parts)
			assert.Equal(t, resp.Usage, streamed.Usage)
		})
	}
}

func checkVertexRequest(t *testing.T, h http.Header, body map[string]json.RawMessage) {
	t.Helper()
	assert.Equal(t, "Bearer ya29.vertex-token", h.Get("Authorization"))
	assert.Empty(t, h.Get("x-goog-api-key"), "no API key goes to Vertex AI")
	assert.JSONEq(t, `[{"role":"user","parts":[{"text":"Weather in Paris?"}]}]`, string(body["contents"]))
	assert.JSONEq(t, `{"parts":[{"text":"Be brief."}]}`, string(body["systemInstruction"]))
	assert.JSONEq(t, `{"maxOutputTokens":256,"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}`, string(body["generationConfig"]))
	assert.JSONEq(t, `[{"functionDeclarations":[{"name":"get_weather","description":"Weather for a city.",
		"parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}]`,
		string(body["tools"]))
}

func collectEvents(s func(func(llm.Event, error) bool)) ([]llm.Event, error) {
	var evs []llm.Event
	for ev, err := range s {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func TestVertexModelPath(t *testing.T) {
	assert.Equal(t, "publishers/google/models/gemini-2.5-pro", vertexModelPath("gemini-2.5-pro"))
	assert.Equal(t, "publishers/google/models/gemini-2.5-pro", vertexModelPath("models/gemini-2.5-pro"))
	assert.Equal(t, "endpoints/123", vertexModelPath("endpoints/123"))
	assert.Equal(t, "publishers/google/models/a%3Fb", vertexModelPath("a?b"))
}

// Each request carries a current token: one about to expire is renewed
// before it is sent.
func TestVertexRenewsTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		src := tokenFunc(func() (*oauth2.Token, error) {
			n++
			return &oauth2.Token{AccessToken: "ya29.token-" + string(rune('0'+n)), Expiry: time.Now().Add(time.Hour)}, nil
		})
		api := &vertexAPI{t: t}
		c, err := New(WithVertex("p", "us-central1"), WithModel("gemini-2.5-pro"), WithTokenSource(src),
			WithHTTPClient(&http.Client{Transport: api}))
		require.NoError(t, err)
		for _, wait := range []time.Duration{0, 30 * time.Minute, 29*time.Minute + 30*time.Second} {
			time.Sleep(wait)
			_, err := c.Generate(t.Context(), hello)
			require.NoError(t, err)
		}
		var got []string
		for _, h := range api.headers {
			got = append(got, h.Get("Authorization"))
		}
		assert.Equal(t, []string{"Bearer ya29.token-1", "Bearer ya29.token-1", "Bearer ya29.token-2"}, got)
	})
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

func TestVertexOptions(t *testing.T) {
	_, err := New(WithVertex("p", ""))
	assert.ErrorContains(t, err, "is not a region name")
	_, err = New(WithAPIKey(testKey), WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
	assert.ErrorContains(t, err, "WithTokenSource is for Gemini on Vertex AI")

	api := &vertexAPI{t: t}
	c, err := New(WithVertex("p", "global"), WithModel("gemini-2.5-pro"), WithHTTPClient(&http.Client{Transport: api}),
		WithTokenSource(tokenFunc(func() (*oauth2.Token, error) { return nil, io.ErrUnexpectedEOF })))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), hello)
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Empty(t, api.urls)
}
