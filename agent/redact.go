package agent

import (
	"cmp"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/tools"
)

// minSecret is the length below which an environment value is not
// redacted: short values ("1", "true") would blank out ordinary text.
const minSecret = 8

// credentialPatterns find credentials by their shape: header lines and the
// key formats of the common providers.
var credentialPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b((?:proxy-)?authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+`),
	regexp.MustCompile(`(?i)\b((?:x-api-key|api-key|x-goog-api-key)\s*[:=]\s*)[^\s"',;]+`),
	regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}`),
	regexp.MustCompile(`()\bsk-[A-Za-z0-9_-]{16,}`),
	regexp.MustCompile(`()\bAIza[0-9A-Za-z_-]{30,}`),
	regexp.MustCompile(`()\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`),
	regexp.MustCompile(`()\bxox[abprs]-[A-Za-z0-9-]{10,}`),
	regexp.MustCompile(`()\bAKIA[0-9A-Z]{16}\b`),
}

// redactor removes credentials from text: the values of environment
// variables that hold credentials (see [tools.IsSecret]), values it was given,
// and anything shaped like an API key or an Authorization header.
type redactor struct {
	values *strings.Replacer // nil when there is no value to replace
}

// newRedactor returns a redactor for the environment env (KEY=value
// entries) and the extra secret values.
func newRedactor(env []string, extra []string) *redactor {
	type secret struct{ value, label string }
	var secrets []secret
	add := func(value, label string) {
		if len(value) < minSecret {
			return
		}
		secrets = append(secrets, secret{value, label})
		if b, err := json.Marshal(value); err == nil {
			if quoted := string(b[1 : len(b)-1]); quoted != value {
				secrets = append(secrets, secret{quoted, label})
			}
		}
	}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if ok && tools.IsSecret(name, value) {
			add(value, "[redacted $"+name+"]")
		}
	}
	for _, v := range extra {
		add(v, "[redacted]")
	}
	if len(secrets) == 0 {
		return &redactor{}
	}
	// Longest first, so that a value containing another is replaced whole.
	slices.SortStableFunc(secrets, func(a, b secret) int { return cmp.Compare(len(b.value), len(a.value)) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s.value, s.label)
	}
	return &redactor{values: strings.NewReplacer(pairs...)}
}

// envRedactor returns a redactor for this process's environment and extra.
func envRedactor(extra []string) *redactor { return newRedactor(os.Environ(), extra) }

// redact returns s without credentials.
func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	if r.values != nil {
		s = r.values.Replace(s)
	}
	for _, re := range credentialPatterns {
		if re.MatchString(s) {
			s = re.ReplaceAllString(s, "${1}[redacted]")
		}
	}
	return s
}
