package openai

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY"} {
		t.Setenv(k, "")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"no key for OpenAI", nil, "set OPENAI_API_KEY or use WithAPIKey"},
		{"bad base URL", []Option{WithBaseURL("localhost:11434")}, `base URL "localhost:11434" is not an http(s) URL`},
		{"no key for Azure", []Option{WithAzure("https://x.openai.azure.com", "dep", "2024-10-21")}, "set AZURE_OPENAI_API_KEY"},
		{"Azure without deployment", []Option{WithAzure("https://x.openai.azure.com", "", "v"), WithAPIKey("k")}, "deployment"},
		{"Azure chat without api-version", []Option{WithAzure("https://x.openai.azure.com", "dep", ""), WithAPIKey("k")}, "api-version"},
		{"bad Azure endpoint", []Option{WithAzure("x.openai.azure.com", "dep", "v"), WithAPIKey("k")}, "Azure endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			_, err := New(tt.opts...)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// Local servers need no key, and the environment's key is not sent to a
// server named in code.
func TestKeyFromEnvironment(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		opts     func(srv *fakeServer) []Option
		wantAuth string
	}{
		{
			name:     "environment base URL and key go together",
			env:      map[string]string{"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "{srv}"},
			opts:     func(srv *fakeServer) []Option { return nil },
			wantAuth: "Bearer sk-env",
		},
		{
			name:     "the environment's key is not sent to WithBaseURL",
			env:      map[string]string{"OPENAI_API_KEY": "sk-env"},
			opts:     func(srv *fakeServer) []Option { return []Option{WithBaseURL(srv.URL)} },
			wantAuth: "",
		},
		{
			name:     "WithAPIKey wins",
			env:      map[string]string{"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "{srv}"},
			opts:     func(srv *fakeServer) []Option { return []Option{WithAPIKey("sk-code")} },
			wantAuth: "Bearer sk-code",
		},
		{
			name: "the environment's key goes to api.openai.com",
			env:  map[string]string{"OPENAI_API_KEY": "sk-env"},
			opts: func(srv *fakeServer) []Option {
				return []Option{WithBaseURL(DefaultBaseURL + "/"), WithHTTPClient(redirect(srv))}
			},
			wantAuth: "Bearer sk-env",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			srv := serve(t, ok(chatPlain))
			for k, v := range tt.env {
				if v == "{srv}" {
					v = srv.URL
				}
				t.Setenv(k, v)
			}
			opts := append([]Option{WithModel("m"), WithHTTPClient(srv.Client())}, tt.opts(srv)...)
			c, err := New(opts...)
			require.NoError(t, err)
			_, err = c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
			require.NoError(t, err)
			assert.Equal(t, tt.wantAuth, srv.last(t).Header.Get("Authorization"))
		})
	}
}

func TestHeaders(t *testing.T) {
	clearEnv(t)
	srv := serve(t, ok(chatPlain))
	c := newChat(t, srv, WithOrganization("org-1"), WithProject("proj-1"), WithHeader("X-Title", "conclave"))
	_, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
	require.NoError(t, err)
	h := srv.last(t).Header
	assert.Equal(t, "org-1", h.Get("OpenAI-Organization"))
	assert.Equal(t, "proj-1", h.Get("OpenAI-Project"))
	assert.Equal(t, "conclave", h.Get("X-Title"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
}

func TestKeyNotPrinted(t *testing.T) {
	clearEnv(t)
	c, err := New(WithAPIKey("sk-secret-123"))
	require.NoError(t, err)
	r, err := NewResponses(WithAzure("https://x.openai.azure.com", "dep", ""), WithAPIKey("az-secret-456"))
	require.NoError(t, err)
	for _, v := range []any{c, r, *c.t, *r.t} {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, "secret", verb)
		}
	}
}

func TestStrictDefault(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		opts []Option
		want bool
	}{
		{"api.openai.com", []Option{WithAPIKey("k")}, true},
		{"api.openai.com, turned off", []Option{WithAPIKey("k"), WithStrictTools(false)}, false},
		{"compatible server", []Option{WithBaseURL("http://localhost:11434/v1")}, false},
		{"compatible server, turned on", []Option{WithBaseURL("http://localhost:8000/v1"), WithStrictTools(true)}, true},
		{"Azure", []Option{WithAzure("https://x.openai.azure.com", "dep", "v"), WithAPIKey("k")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.t.strict)
		})
	}
}
