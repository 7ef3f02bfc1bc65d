package tools

import (
	"net/url"
	"slices"
	"strings"
)

// secretSuffixes end the names of variables that hold credentials, in
// upper case: ANTHROPIC_API_KEY, GITHUB_TOKEN, AZURE_CLIENT_SECRET,
// PGPASSWORD, GOOGLE_APPLICATION_CREDENTIALS, COMPOSER_AUTH,
// AWS_ACCESS_KEY_ID.
var secretSuffixes = []string{"_KEY", "_TOKEN", "_SECRET", "PASSWORD", "_PASSWD", "_CREDENTIALS", "_AUTH", "_ACCESS_KEY_ID"}

// secretWords mark credentials anywhere in a name: AWS_SECRET_ACCESS_KEY,
// CLIENT_SECRET_VALUE, DB_PASSWORD_FILE.
var secretWords = []string{"SECRET", "PASSWORD"}

// secretNames are credentials that no pattern catches: agent sockets that
// sign with the user's keys, and well-known names without a telling suffix.
var secretNames = []string{
	"SSH_AUTH_SOCK", "GPG_AGENT_INFO", "TOKEN", "APIKEY",
	"DOCKER_AUTH_CONFIG", "NETRC", "KUBECONFIG",
}

// IsSecret reports whether the environment variable name=value holds a
// credential that must not reach a model-driven process or a trajectory.
// A name is secret when, in upper case, it ends in _KEY, _TOKEN, _SECRET,
// PASSWORD, _PASSWD, _CREDENTIALS, _AUTH or _ACCESS_KEY_ID, contains
// SECRET or PASSWORD, or is a known credential variable (SSH_AUTH_SOCK,
// GPG_AGENT_INFO, KUBECONFIG, …); a value is secret when it is a URL with a password in
// it (HTTPS_PROXY=http://user:pass@host, DATABASE_URL). An empty value
// checks the name alone.
//
// This is the one rule of the module: [ScrubEnv] drops what it reports,
// and a trajectory writer redacts the values it reports.
func IsSecret(name, value string) bool {
	n := strings.ToUpper(name)
	if slices.Contains(secretNames, n) {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return hasPassword(value)
}

// hasPassword reports whether v is a URL carrying a password.
func hasPassword(v string) bool {
	if !strings.Contains(v, "@") || !strings.Contains(v, "://") {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// ScrubEnv returns the entries of env ("NAME=value", as os.Environ gives
// them) that [IsSecret] lets through, plus those whose names are in pass,
// the caller's explicit allowlist. Everything else is kept: PATH, HOME,
// the locale, proxies without passwords, and toolchain variables (GOPATH,
// GOCACHE, GOFLAGS, PYTHONPATH, …). The order of env is kept; env is not
// changed.
func ScrubEnv(env, pass []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if !IsSecret(name, value) || slices.Contains(pass, name) {
			out = append(out, kv)
		}
	}
	return out
}
