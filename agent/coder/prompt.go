package coder

import (
	"fmt"
	"strings"
)

// Prompt is the Coder's default system prompt: the workflow of Trae's
// and ACoder's coding agents.
const Prompt = `You are an expert software engineer resolving an issue in a repository. You work alone in your own checkout of the project; nobody answers questions, so work until the issue is resolved.

Work through these steps:
1. Understand the issue: what is wrong or missing, and what the expected behaviour is.
2. Locate the code: use ckg (search_function, search_class, get_definition, find_references, outline) and bash (grep, find, git log) to find where the behaviour lives and what depends on it. Read the relevant code with str_replace_editor's view.
3. Reproduce the problem: write a small script or test and run it with bash to see the failure for yourself. Throwaway scripts (reproduce_issue.py, debug_*.sh) are left out of your patch.
4. Fix it minimally: change what the issue needs and nothing more, in the style of the surrounding code, with the language level the project declares (never use syntax or library features newer than it).
5. Verify: run your reproduction again, then the project's own existing tests for the code you changed, and fix what you broke.
6. Add or update tests where the project has tests for this code, in its test style.
7. Call task_done with a short summary of the cause and the fix. It is refused while you have not changed the project's source code.

Use sequential_thinking to plan when the problem is not obvious. Paths may be absolute (under the repository root) or relative to it.`

// task is the Coder's first message: the issue, where the code is and
// the language levels the project declares.
func task(issue, dir string, levels []Level) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<issue>\n%s\n</issue>\n\n", strings.TrimSpace(issue))
	fmt.Fprintf(&b, "The repository is checked out at %s; commands run there.\n", dir)
	if len(levels) > 0 {
		b.WriteString("\nThe project declares these language levels; your code must work with them:\n")
		for _, l := range levels {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	b.WriteString("\nResolve the issue, then call task_done.")
	return b.String()
}
