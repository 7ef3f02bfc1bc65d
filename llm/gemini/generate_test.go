package gemini

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

var weatherTool = llm.ToolSpec{
	Name:        "get_weather",
	Description: "Get the current weather for a city.",
	Schema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},` +
		`"unit":{"type":["null","string"],"enum":["celsius","fahrenheit"]}},"required":["city"],"additionalProperties":false}`),
}

func ask(text string) *llm.Request {
	return &llm.Request{Messages: []llm.Message{llm.UserText(text)}}
}

const plainBody = `{
  "candidates": [{"content": {"role": "model", "parts": [{"text": "Hello there."}]}, "finishReason": "STOP", "index": 0}],
  "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15},
  "modelVersion": "gemini-2.5-flash-001",
  "responseId": "resp-plain"
}`

func TestGeneratePlainText(t *testing.T) {
	f, c := newFake(t, respond(200, plainBody))
	resp, err := c.Generate(t.Context(), &llm.Request{System: "Be terse.", Messages: []llm.Message{llm.UserText("Say hello.")}})
	require.NoError(t, err)

	assert.Equal(t, llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.TextPart("Hello there.")}}, resp.Message)
	assert.Equal(t, llm.StopEnd, resp.StopReason)
	assert.Equal(t, "STOP", resp.ProviderStopReason)
	assert.Equal(t, llm.Usage{InputTokens: 12, OutputTokens: 3}, resp.Usage)
	assert.Equal(t, "gemini-2.5-flash-001", resp.Model)
	assert.Equal(t, "resp-plain", resp.ID)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/v1beta/models/gemini-test:generateContent", r.Path)
	assert.Empty(t, r.Query, "the key never travels in the URL")
	assert.Equal(t, testKey, r.Header.Get("x-goog-api-key"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.JSONEq(t, `[{"role":"user","parts":[{"text":"Say hello."}]}]`, r.field(t, "contents"))
	assert.JSONEq(t, `{"parts":[{"text":"Be terse."}]}`, r.field(t, "systemInstruction"))
	assert.Empty(t, r.field(t, "tools"))
	assert.Empty(t, r.field(t, "generationConfig"), "no options, no config")
}

func TestGenerateOneToolCall(t *testing.T) {
	f, c := newFake(t, respond(200, `{"candidates":[{"index":0,"finishReason":"STOP","content":{"role":"model","parts":[
		{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"}]}}],
		"usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":30,"totalTokenCount":150,"cachedContentTokenCount":0}}`))
	req := ask("Weather in Paris?")
	req.Tools = []llm.ToolSpec{weatherTool}
	req.ToolChoice = llm.ToolChoice{Mode: llm.ToolNamed, Name: "get_weather"}
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)

	assert.Equal(t, llm.StopToolUse, resp.StopReason, "Gemini says STOP; the parts decide")
	assert.Equal(t, "STOP", resp.ProviderStopReason)
	require.Len(t, resp.Message.Parts, 1)
	assert.Equal(t, llm.Part{
		Kind:     llm.KindToolCall,
		ToolCall: &llm.ToolCall{ID: "gemini-call-1", Name: "get_weather", Args: json.RawMessage(`{"city":"Paris"}`)},
		Opaque:   &llm.Opaque{Provider: "gemini", Signature: "c2ln"},
	}, resp.Message.Parts[0])
	assert.Equal(t, llm.Usage{InputTokens: 120, OutputTokens: 30}, resp.Usage)

	r := f.requests()[0]
	assert.JSONEq(t, `{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}`, r.field(t, "toolConfig"))
	assert.JSONEq(t, `[{"functionDeclarations":[{"name":"get_weather","description":"Get the current weather for a city.",
		"parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
		"required":["city"],"additionalProperties":false,"propertyOrdering":["city","unit"]}}]}]`, r.field(t, "tools"))
}

func TestGenerateParallelCallsToTheSameFunction(t *testing.T) {
	_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[
		{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnMQ=="},
		{"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}]}}]}`))
	req := &llm.Request{
		Messages: []llm.Message{
			llm.UserText("Earlier question"),
			{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("gemini-call-1", "get_weather", json.RawMessage(`{"city":"Rome"}`))}},
			{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "gemini-call-1", Name: "get_weather"}, "25°C", false)}},
			llm.UserText("And Paris and Oslo?"),
		},
		Tools: []llm.ToolSpec{weatherTool},
	}
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	calls := resp.Message.ToolCalls()
	require.Len(t, calls, 2)
	assert.Equal(t, "gemini-call-2", calls[0].ID, "ids continue the conversation's count")
	assert.Equal(t, "gemini-call-3", calls[1].ID)
	assert.JSONEq(t, `{"city":"Paris"}`, string(calls[0].Args))
	assert.JSONEq(t, `{"city":"Oslo"}`, string(calls[1].Args))
	assert.Equal(t, &llm.Opaque{Provider: "gemini", Signature: "c2lnMQ=="}, resp.Message.Parts[0].Opaque, "only the first parallel call is signed")
	assert.Nil(t, resp.Message.Parts[1].Opaque)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
}

func TestGenerateKeepsGeminiCallIDs(t *testing.T) {
	_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[
		{"functionCall":{"id":"fc-a1","name":"get_weather","args":{"city":"Paris"}}}]}}]}`))
	resp, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("Paris?")}, Tools: []llm.ToolSpec{weatherTool}})
	require.NoError(t, err)
	require.Len(t, resp.Message.ToolCalls(), 1)
	assert.Equal(t, "fc-a1", resp.Message.ToolCalls()[0].ID)
}

func TestGenerateThoughtsWithSignatures(t *testing.T) {
	_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[
		{"text":"**Planning** I should answer briefly.","thought":true,"thoughtSignature":"dGhvdWdodA=="},
		{"text":"The answer is 4.","thoughtSignature":"dGV4dA=="}]}}],
		"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":6,"thoughtsTokenCount":40,"totalTokenCount":56}}`))
	req := ask("2+2?")
	req.Reasoning = llm.EffortLow
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, []llm.Part{
		{Kind: llm.KindReasoning, Text: "**Planning** I should answer briefly.", Opaque: &llm.Opaque{Provider: "gemini", Signature: "dGhvdWdodA=="}},
		{Kind: llm.KindText, Text: "The answer is 4.", Opaque: &llm.Opaque{Provider: "gemini", Signature: "dGV4dA=="}},
	}, resp.Message.Parts)
	assert.Equal(t, "The answer is 4.", resp.Message.Text())
	assert.Equal(t, llm.Usage{InputTokens: 10, OutputTokens: 46, ReasoningTokens: 40}, resp.Usage)
}

func TestGenerateUsage(t *testing.T) {
	tests := []struct {
		name  string
		usage string
		want  llm.Usage
	}{
		{"cached tokens are split out of the prompt",
			`{"promptTokenCount":1200,"cachedContentTokenCount":1000,"candidatesTokenCount":30,"totalTokenCount":1230}`,
			llm.Usage{InputTokens: 200, CacheReadTokens: 1000, OutputTokens: 30}},
		{"thoughts are output and reasoning",
			`{"promptTokenCount":50,"candidatesTokenCount":30,"thoughtsTokenCount":70,"totalTokenCount":150}`,
			llm.Usage{InputTokens: 50, OutputTokens: 100, ReasoningTokens: 70}},
		{"tool-use prompt tokens are input",
			`{"promptTokenCount":50,"toolUsePromptTokenCount":25,"candidatesTokenCount":5,"totalTokenCount":80}`,
			llm.Usage{InputTokens: 75, OutputTokens: 5}},
		{"all at once",
			`{"promptTokenCount":1200,"cachedContentTokenCount":1000,"toolUsePromptTokenCount":5,"candidatesTokenCount":30,"thoughtsTokenCount":70}`,
			llm.Usage{InputTokens: 205, CacheReadTokens: 1000, OutputTokens: 100, ReasoningTokens: 70}},
		{"no usage", `null`, llm.Usage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"STOP","content":{"parts":[{"text":"ok"}]}}],"usageMetadata":`+tt.usage+`}`))
			resp, err := c.Generate(t.Context(), ask("hi"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Usage)
		})
	}
}

func TestGenerateStopReasons(t *testing.T) {
	tests := []struct {
		finish  string
		want    llm.StopReason
		wantErr error
	}{
		{"STOP", llm.StopEnd, nil},
		{"MAX_TOKENS", llm.StopMaxTokens, nil},
		{"SAFETY", llm.StopRefusal, nil},
		{"RECITATION", llm.StopRefusal, nil},
		{"BLOCKLIST", llm.StopRefusal, nil},
		{"PROHIBITED_CONTENT", llm.StopRefusal, nil},
		{"SPII", llm.StopRefusal, nil},
		{"LANGUAGE", llm.StopRefusal, nil},
		{"OTHER", llm.StopOther, nil},
		{"SOMETHING_NEW", llm.StopOther, nil},
		{"MALFORMED_FUNCTION_CALL", "", llm.ErrMalformedToolCall},
		{"UNEXPECTED_TOOL_CALL", "", llm.ErrMalformedToolCall},
		{"TOO_MANY_TOOL_CALLS", "", llm.ErrMalformedToolCall},
		{"MISSING_THOUGHT_SIGNATURE", "", ErrMissingThoughtSignature},
	}
	for _, tt := range tests {
		t.Run(tt.finish, func(t *testing.T) {
			_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"`+tt.finish+`",
				"finishMessage":"Malformed function call: print(default_api.get_weather(city=Paris)",
				"content":{"role":"model","parts":[{"text":"partial"}]}}]}`))
			resp, err := c.Generate(t.Context(), ask("hi"))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.finish)
				assert.Contains(t, err.Error(), "print(default_api.get_weather(city=Paris)", "the finishMessage is kept")
				assert.False(t, llm.IsRetryable(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.StopReason)
			assert.Equal(t, tt.finish, resp.ProviderStopReason)
		})
	}
}

func TestGenerateMalformedFunctionCallWithoutContent(t *testing.T) {
	_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"MALFORMED_FUNCTION_CALL","index":0}],
		"usageMetadata":{"promptTokenCount":80,"totalTokenCount":80}}`))
	_, err := c.Generate(t.Context(), ask("hi"))
	require.ErrorIs(t, err, llm.ErrMalformedToolCall)
	assert.EqualError(t, err, "gemini: llm: model produced a malformed tool call (MALFORMED_FUNCTION_CALL)")
}

func TestGenerateSafetyBlock(t *testing.T) {
	t.Run("candidate filtered", func(t *testing.T) {
		_, c := newFake(t, respond(200, `{"candidates":[{"finishReason":"SAFETY","index":0,
			"safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]}]}`))
		resp, err := c.Generate(t.Context(), ask("something bad"))
		require.NoError(t, err)
		assert.Equal(t, llm.StopRefusal, resp.StopReason)
		assert.Empty(t, resp.Message.Parts)
	})
	t.Run("prompt blocked", func(t *testing.T) {
		_, c := newFake(t, respond(200, `{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},
			"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash"}`))
		resp, err := c.Generate(t.Context(), ask("something bad"))
		require.NoError(t, err)
		assert.Equal(t, llm.StopRefusal, resp.StopReason)
		assert.Equal(t, "prompt blocked: SAFETY", resp.ProviderStopReason)
		assert.Equal(t, llm.Message{Role: llm.RoleAssistant}, resp.Message)
		assert.Equal(t, llm.Usage{InputTokens: 9}, resp.Usage)
	})
	t.Run("no candidate and no reason", func(t *testing.T) {
		_, c := newFake(t, respond(200, `{"usageMetadata":{"promptTokenCount":9}}`))
		_, err := c.Generate(t.Context(), ask("hi"))
		assert.ErrorContains(t, err, "no candidate")
	})
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name      string
		reply     http.HandlerFunc
		wantErr   error
		wantType  string
		wantRetry bool
		wantAfter time.Duration
	}{
		{"401 unauthenticated", respond(401, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`),
			llm.ErrAuth, "UNAUTHENTICATED", false, 0},
		{"403 permission denied", respond(403, `{"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}}`),
			llm.ErrAuth, "PERMISSION_DENIED", false, 0},
		{"400 invalid key", respond(400, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
			"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}`),
			llm.ErrAuth, "INVALID_ARGUMENT", false, 0},
		{"400 context length", respond(400, `{"error":{"code":400,"message":"The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}`),
			llm.ErrContextLength, "INVALID_ARGUMENT", false, 0},
		{"429 with Retry-After", respond(429, `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`, "Retry-After", "12"),
			llm.ErrRateLimited, "RESOURCE_EXHAUSTED", true, 12 * time.Second},
		{"429 with RetryInfo", respond(429, `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[
			{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests"}]},
			{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
			{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}`),
			llm.ErrRateLimited, "RESOURCE_EXHAUSTED", true, 37 * time.Second},
		{"429 header wins over RetryInfo", respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[
			{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}`, "Retry-After", "2"),
			llm.ErrRateLimited, "RESOURCE_EXHAUSTED", true, 2 * time.Second},
		{"503 overloaded", respond(503, `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`),
			llm.ErrOverloaded, "UNAVAILABLE", true, 0},
		{"500 internal", respond(500, `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`),
			nil, "INTERNAL", true, 0},
		{"error body in an array", respond(503, `[{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}]`),
			llm.ErrOverloaded, "UNAVAILABLE", true, 0},
		{"not JSON", respond(502, `<html>Bad Gateway</html>`), nil, "", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newFake(t, tt.reply)
			_, err := c.Generate(t.Context(), ask("hi"))
			var apiErr *llm.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "gemini", apiErr.Provider)
			assert.Equal(t, tt.wantType, apiErr.Type)
			assert.NotEmpty(t, apiErr.Message)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantRetry, llm.IsRetryable(err))
			assert.Equal(t, tt.wantAfter, apiErr.RetryAfter)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestGenerateMalformedBody(t *testing.T) {
	tests := map[string]string{
		"truncated JSON": `{"candidates":[{"content":{"parts":[{"text":"hi"`,
		"wrong shape":    `{"candidates":"many"}`,
		"not JSON":       `Hello`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			_, c := newFake(t, respond(200, body))
			_, err := c.Generate(t.Context(), ask("hi"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "gemini: malformed response body")
			assert.False(t, errors.Is(err, llm.ErrConnection), "a bad body is not a connection failure")
		})
	}
}

func TestGenerateRetriesThroughLLMRetry(t *testing.T) {
	tests := []struct {
		name     string
		first    http.HandlerFunc
		wantWait time.Duration
	}{
		{"500 then success", respond(500, `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`), 500 * time.Millisecond},
		{"429 RetryInfo then success", respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
			"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}`), 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				replies := []http.HandlerFunc{tt.first, respond(200, plainBody)}
				calls := 0
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					replies[calls](w, r)
					calls++
				})
				c, err := New(WithAPIKey(testKey), WithModel("gemini-test"), WithHTTPClient(&http.Client{Transport: handlerTransport{h}}))
				require.NoError(t, err)
				m := llm.Retry(&llm.RetryPolicy{Rand: func() float64 { return 0 }})(c)
				start := time.Now()
				resp, err := m.Generate(t.Context(), ask("hi"))
				require.NoError(t, err)
				assert.Equal(t, "Hello there.", resp.Message.Text())
				assert.Equal(t, 2, calls)
				assert.Equal(t, tt.wantWait, time.Since(start))
			})
		})
	}
}

func TestNew(t *testing.T) {
	t.Run("key from GEMINI_API_KEY first", func(t *testing.T) {
		t.Setenv("GEMINI_API_KEY", "gemini-key")
		t.Setenv("GOOGLE_API_KEY", "google-key")
		c, err := New()
		require.NoError(t, err)
		assert.Equal(t, "gemini-key", c.key)
		assert.Equal(t, DefaultBaseURL, c.baseURL)
	})
	t.Run("key from GOOGLE_API_KEY", func(t *testing.T) {
		t.Setenv("GEMINI_API_KEY", "")
		t.Setenv("GOOGLE_API_KEY", "google-key")
		c, err := New()
		require.NoError(t, err)
		assert.Equal(t, "google-key", c.key)
	})
	t.Run("option overrides the environment", func(t *testing.T) {
		t.Setenv("GEMINI_API_KEY", "gemini-key")
		c, err := New(WithAPIKey("option-key"), WithBaseURL("http://localhost:8080/v1beta/"))
		require.NoError(t, err)
		assert.Equal(t, "option-key", c.key)
		assert.Equal(t, "http://localhost:8080/v1beta", c.baseURL)
	})
	t.Run("no key", func(t *testing.T) {
		t.Setenv("GEMINI_API_KEY", "")
		t.Setenv("GOOGLE_API_KEY", "")
		_, err := New()
		assert.ErrorContains(t, err, "set GEMINI_API_KEY or pass gemini.WithAPIKey")
	})
	t.Run("bad base URL", func(t *testing.T) {
		_, err := New(WithAPIKey("k"), WithBaseURL("generativelanguage.googleapis.com"))
		assert.ErrorContains(t, err, "is not an http(s) URL")
	})
}

func TestGenerateRequestOptions(t *testing.T) {
	f, _ := newFake(t, respond(200, plainBody), respond(200, plainBody))
	c2, err := New(WithAPIKey(testKey), WithBaseURL(f.srv.URL), WithHTTPClient(f.srv.Client()), WithHeader("X-Trace", "t-1"))
	require.NoError(t, err)

	req := ask("hi")
	req.Model = "models/gemini-2.5-pro"
	_, err = c2.Generate(t.Context(), req)
	require.NoError(t, err)
	req.Model = "tunedModels/my model"
	_, err = c2.Generate(t.Context(), req)
	require.NoError(t, err)

	_, err = c2.Generate(t.Context(), ask("hi"))
	assert.ErrorContains(t, err, "no model: set Request.Model or pass gemini.WithModel")

	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/models/gemini-2.5-pro:generateContent", reqs[0].Path, "Request.Model overrides WithModel")
	assert.Equal(t, "/tunedModels/my model:generateContent", reqs[1].Path)
	assert.Equal(t, "t-1", reqs[0].Header.Get("X-Trace"))
	assert.Equal(t, testKey, reqs[0].Header.Get("x-goog-api-key"))
}
