package anthropic

import (
	"regexp"
	"strconv"
)

// thinkingMode is how a model takes a request for reasoning.
type thinkingMode int

const (
	// manualThinking: thinking {type:"enabled", budget_tokens}. Claude
	// models before 4.6.
	manualThinking thinkingMode = iota
	// adaptiveThinking: thinking {type:"adaptive"} with output_config.effort;
	// a manual budget is still accepted. Claude 4.6.
	adaptiveThinking
	// adaptiveOnly: thinking {type:"adaptive"}; the API rejects a manual
	// budget with a 400. Claude Opus 4.7, and any model of version 5 on.
	adaptiveOnly
)

// modelVersion reads "claude-<family>-<major>[-<minor>]…" model ids, such as
// claude-opus-4-7 or claude-sonnet-4-5-20250929; a trailing date is not a
// minor version.
var modelVersion = regexp.MustCompile(`^claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?(?:[-@]|$)`)

// thinkingModeOf tells how model takes reasoning, from its id. Ids it cannot
// read (aliases, older "claude-3-7-sonnet" ids, gateways' own names) are
// taken as manual; WithAdaptiveThinking overrides the guess.
func thinkingModeOf(model string) thinkingMode {
	m := modelVersion.FindStringSubmatch(model)
	if m == nil {
		return manualThinking
	}
	major, _ := strconv.Atoi(m[2])
	minor, _ := strconv.Atoi(m[3]) // "" reads as 0
	switch {
	case major >= 5, major == 4 && minor >= 7 && m[1] == "opus":
		return adaptiveOnly
	case major == 4 && minor >= 6:
		return adaptiveThinking
	}
	return manualThinking
}

// effortWord maps an llm.Effort to the API's output_config.effort.
func effortWord(e string) string {
	if e == "minimal" {
		return "low"
	}
	return e
}
