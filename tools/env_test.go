package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/tools"
)

func TestIsSecret(t *testing.T) {
	secret := [][2]string{
		{"ANTHROPIC_API_KEY", "x"}, {"OPENAI_API_KEY", "x"}, {"GEMINI_API_KEY", "x"}, {"GOOGLE_API_KEY", "x"},
		{"AZURE_OPENAI_API_KEY", "x"}, {"GOOGLE_APPLICATION_CREDENTIALS", "/k.json"},
		{"AWS_ACCESS_KEY_ID", "x"}, {"AWS_SECRET_ACCESS_KEY", "x"}, {"AWS_SESSION_TOKEN", "x"},
		{"GITHUB_TOKEN", "x"}, {"GH_TOKEN", "x"}, {"HF_TOKEN", "x"}, {"NPM_TOKEN", "x"}, {"github_token", "x"},
		{"PGPASSWORD", "x"}, {"DB_PASSWORD_FILE", "x"}, {"AZURE_CLIENT_SECRET", "x"}, {"COMPOSER_AUTH", "x"},
		{"SSH_AUTH_SOCK", "/run/agent"}, {"KUBECONFIG", "x"},
		{"HTTPS_PROXY", "http://user:pw@proxy:3128"}, {"DATABASE_URL", "postgres://app:pw@db/app"},
	}
	for _, kv := range secret {
		assert.True(t, tools.IsSecret(kv[0], kv[1]), "%s=%s", kv[0], kv[1])
	}
	plain := [][2]string{
		{"PATH", "/usr/bin"}, {"HOME", "/home/u"}, {"LANG", "C.UTF-8"}, {"LC_ALL", "C"},
		{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "localhost"}, {"http_proxy", "http://user@proxy"},
		{"GOPATH", "/go"}, {"GOCACHE", "/c"}, {"GOFLAGS", "-mod=mod"}, {"PYTHONPATH", "/p"},
		{"TOKENIZERS_PARALLELISM", "false"}, {"PWD", "/x"}, {"OLDPWD", "/y"}, {"XAUTHORITY", "/x"},
		{"GIT_SSL_CAINFO", "/ca"}, {"MONKEY", "banana"},
	}
	for _, kv := range plain {
		assert.False(t, tools.IsSecret(kv[0], kv[1]), "%s=%s", kv[0], kv[1])
	}
}

func TestScrubEnv(t *testing.T) {
	env := []string{"PATH=/bin", "OPENAI_API_KEY=sk", "HOME=/h", "GITHUB_TOKEN=gh", "NOEQUALS", "GOFLAGS=-v"}
	assert.Equal(t, []string{"PATH=/bin", "HOME=/h", "NOEQUALS", "GOFLAGS=-v"}, tools.ScrubEnv(env, nil))
	assert.Equal(t, []string{"PATH=/bin", "HOME=/h", "GITHUB_TOKEN=gh", "NOEQUALS", "GOFLAGS=-v"}, tools.ScrubEnv(env, []string{"GITHUB_TOKEN"}))
	assert.Len(t, env, 6, "env is not changed")
}

func FuzzIsSecret(f *testing.F) {
	f.Add("HTTPS_PROXY", "http://u:p@h")
	f.Add("X", "%zz://a:b@c")
	f.Fuzz(func(t *testing.T, name, value string) {
		if tools.IsSecret(name, "") {
			assert.True(t, tools.IsSecret(name, value), "a secret name stays secret whatever its value")
		}
	})
}
