package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/llm"
)

// Context trimming, in the order it is tried:
//
//  1. Elide: tool outputs, oldest first, are cut to their head and tail with
//     a note saying how to see the rest.
//  2. Summarise: the oldest turns after the task are condensed by the model
//     into a summary kept beside the task; if that call fails they are
//     dropped with a note.
//
// A trim starts when the estimate passes highWater of the budget (the window
// less the room kept for the reply) and goes down to lowWater, so that trims
// are rare and the history between them only grows at its end: the prompt
// cache keeps working.
const (
	highWater = 0.9
	lowWater  = 0.6
	// elideAbove is the size in bytes of the smallest tool output elided;
	// elideKeep is the head and the tail kept of it.
	elideAbove = 1024
	elideKeep  = 256
	// initialRatio is the tokens-per-byte estimate before the first
	// response calibrates it: on the safe side of the usual 1 in 4.
	initialRatio = 0.3
)

// window estimates the tokens of requests and knows the model's window.
type window struct {
	size     int     // tokens; 0 while unknown
	maxReply int     // the request's MaxTokens
	ratio    float64 // tokens per byte, calibrated by each response
	fixed    int     // bytes of the system prompt and tool specs
}

func newWindow(size, maxTokens int, system string, specs []llm.ToolSpec) *window {
	fixed := len(system)
	for _, s := range specs {
		fixed += len(s.Name) + len(s.Description) + len(s.Schema) + 16
	}
	return &window{size: size, maxReply: maxTokens, ratio: initialRatio, fixed: fixed}
}

// budget is the input tokens a request may use: the window less room for
// the reply.
func (w *window) budget() int {
	reserve := w.maxReply
	if reserve <= 0 {
		reserve = min(8192, w.size/8)
	}
	return w.size - min(reserve, w.size/2)
}

func (w *window) tokens(msgs []llm.Message) int {
	return w.tokensOf(historyBytes(msgs))
}

func (w *window) tokensOf(bytes int) int {
	return int(float64(w.fixed+bytes)*w.ratio) + 1
}

// bytesFor is the message bytes that make tokens input tokens.
func (w *window) bytesFor(tokens int) int {
	return max(0, int(float64(tokens)/w.ratio)-w.fixed)
}

// calibrate learns the ratio of tokens to bytes from what a request of
// msgs really cost.
func (w *window) calibrate(msgs []llm.Message, u llm.Usage) {
	input := u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens
	if input <= 0 {
		return
	}
	w.ratio = min(2, max(0.05, float64(input)/float64(w.fixed+historyBytes(msgs))))
}

func historyBytes(msgs []llm.Message) int {
	n := 0
	for _, m := range msgs {
		n += messageBytes(m)
	}
	return n
}

func messageBytes(m llm.Message) int {
	n := 8
	for _, p := range m.Parts {
		n += partBytes(p)
	}
	return n
}

func partBytes(p llm.Part) int {
	n := 8 + len(p.Text)
	if c := p.ToolCall; c != nil {
		n += len(c.ID) + len(c.Name) + len(c.Args) + 8
	}
	if res := p.ToolResult; res != nil {
		n += len(res.CallID) + len(res.Content) + 8
	}
	if o := p.Opaque; o != nil {
		n += len(o.Signature) + len(o.Data)
	}
	return n
}

// fit trims the history when the next request would not fit the window;
// with force (the provider refused a request as too long) it first raises
// its estimate, learns the window if it did not know it, and trims to half
// the request. It returns errContextExhausted when even trimming cannot fit
// the request.
func (r *runner) fit(ctx context.Context, step int, reason string, force bool) ([]Trim, error) {
	w := r.win
	est := w.tokens(r.history)
	if force {
		w.ratio *= 1.25
		est = w.tokens(r.history)
		if w.size == 0 {
			w.size = est
		}
	}
	if w.size == 0 {
		return nil, nil
	}
	budget := w.budget()
	target := int(float64(budget) * lowWater)
	if force {
		target = min(target, est/2)
	} else if est <= int(float64(budget)*highWater) {
		return nil, nil
	}

	var trims []Trim
	if n := r.elide(target); n > 0 {
		after := w.tokens(r.history)
		trims = append(trims, r.trimmed(step, Trim{Stage: "elide", Reason: reason, Before: est, After: after, Messages: n}))
		est = after
	}
	if est > target {
		t, err := r.summarize(ctx, target, reason, est)
		if err != nil {
			return trims, err
		}
		if t != nil {
			trims = append(trims, r.trimmed(step, *t))
		}
	}
	if w.tokens(r.history) > budget {
		return trims, fmt.Errorf("%w: the task and the latest turn need about %d tokens of a %d-token budget", errContextExhausted, w.tokens(r.history), budget)
	}
	return trims, nil
}

// trimmed emits a trim event carrying the new history and returns the trim
// as a step keeps it, without the history.
func (r *runner) trimmed(step int, t Trim) Trim {
	ev := t
	ev.History = r.history[:len(r.history):len(r.history)]
	r.event(Event{Kind: EventTrim, Step: step, Trim: &ev})
	return t
}

// elide cuts tool outputs, oldest first, to their head and tail until the
// history fits target tokens, and returns how many it cut. It replaces the
// history rather than change it, since earlier requests share it.
func (r *runner) elide(target int) int {
	w := r.win
	bytes := historyBytes(r.history)
	limit := w.bytesFor(target)
	var h []llm.Message
	n := 0
	for i := 1; i < len(r.history) && bytes > limit; i++ {
		m := r.history[i]
		var parts []llm.Part
		for j, p := range m.Parts {
			if p.ToolResult == nil || len(p.ToolResult.Content) <= elideAbove || bytes <= limit {
				continue
			}
			short := elideText(p.ToolResult.Content)
			if parts == nil {
				parts = slices.Clone(m.Parts)
			}
			res := *p.ToolResult
			res.Content = short
			parts[j].ToolResult = &res
			bytes -= len(p.ToolResult.Content) - len(short)
			n++
		}
		if parts != nil {
			if h == nil {
				h = slices.Clone(r.history)
			}
			h[i] = llm.Message{Role: m.Role, Parts: parts}
		}
	}
	if h != nil {
		r.history = h
	}
	return n
}

// elideText keeps the head and tail of s, cut at line ends where it can,
// with a note between them.
func elideText(s string) string {
	head := cutRunes(s[:elideKeep])
	if i := strings.LastIndexByte(head, '\n'); i > elideKeep/2 {
		head = head[:i+1]
	}
	tail := s[len(s)-elideKeep:]
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < elideKeep/2 {
		tail = tail[i+1:]
	}
	removed := len(s) - len(head) - len(tail)
	return fmt.Sprintf("%s\n[… %d bytes of this output were removed to fit the context window. Run the tool again, narrower (a view_range, grep, head or tail), to see them …]\n%s", head, removed, tail)
}

// cutRunes drops a rune cut in half at the end of s.
func cutRunes(s string) string {
	for len(s) > 0 && !utf8.ValidString(s[len(s)-min(len(s), utf8.UTFMax):]) {
		s = s[:len(s)-1]
	}
	return s
}

const summarySystem = `You condense the history of a software agent's work so that it can go on with its task in less space.
Write a factual summary of the transcript you are given: what the agent learnt (files, functions, causes, test results), what it changed and where, what failed, and what it was about to do next.
Keep exact file paths, identifiers, commands and error messages. Do not invent anything, do not give advice, and answer with the summary only.`

// summarize condenses the oldest turns after the task into a summary kept
// with the task, enough for the history to fit target tokens. The turns
// condensed end before an assistant message, so that every tool result
// kept follows its call. It returns nil when there is nothing to condense.
func (r *runner) summarize(ctx context.Context, target int, reason string, before int) (*Trim, error) {
	w := r.win
	summaryTokens := max(256, min(2048, w.budget()/8))
	limit := w.bytesFor(target - summaryTokens)
	task := llm.Message{Role: llm.RoleUser, Parts: r.history[0].Parts[:r.taskParts:r.taskParts]}
	cut := -1
	kept := historyBytes(r.history[1:])
	for c := 1; c < len(r.history); c++ {
		if c >= 2 && r.history[c].Role == llm.RoleAssistant {
			cut = c
			if messageBytes(task)+kept <= limit {
				break
			}
		}
		kept -= messageBytes(r.history[c])
	}
	if cut < 0 {
		return nil, nil
	}
	old := r.history[1:cut]
	previous := ""
	if len(r.history[0].Parts) > r.taskParts {
		previous = r.history[0].Parts[len(r.history[0].Parts)-1].Text
	}
	transcript := render(previous, old, w.bytesFor(w.budget()/2))

	t := &Trim{Stage: "summary", Reason: reason, Before: before, Messages: len(old)}
	req := &llm.Request{
		Model:     r.a.ModelName,
		System:    summarySystem,
		Messages:  []llm.Message{llm.UserText(transcript)},
		MaxTokens: summaryTokens,
	}
	spent := r.meter.Spent().Cost
	resp, err := r.summ.Generate(ctx, req)
	t.Cost = r.meter.Spent().Cost - spent
	var note string
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("agent %s: summarising the history: %w", r.name, context.Cause(ctx))
	case errors.Is(err, llm.ErrBudgetExceeded):
		return nil, fmt.Errorf("agent %s: summarising the history: %w", r.name, err)
	case err == nil && resp != nil && strings.TrimSpace(resp.Message.Text()) != "":
		u := resp.Usage
		t.Usage = &u
		note = fmt.Sprintf("[The %d messages of your earlier work after this task were condensed to fit the context window. Summary:]\n%s", len(old), strings.TrimSpace(resp.Message.Text()))
	default:
		t.Stage = "drop"
		note = fmt.Sprintf("[The %d messages of your earlier work after this task were removed to fit the context window; re-read what you still need.]", len(old))
		if previous != "" {
			note += "\n[An earlier summary:]\n" + previous
		}
	}
	first := llm.Message{Role: llm.RoleUser, Parts: append(slices.Clone(task.Parts), llm.TextPart(note))}
	r.history = append([]llm.Message{first}, r.history[cut:]...)
	t.After = w.tokens(r.history)
	return t, nil
}

// render writes messages as a plain transcript for the summariser, within
// limit bytes (the middle cut out when longer).
func render(previous string, msgs []llm.Message, limit int) string {
	var b strings.Builder
	b.WriteString("Summarise this transcript of the agent's work.\n\n")
	if previous != "" {
		b.WriteString("[summary of the work before it]\n" + previous + "\n\n")
	}
	clip := func(s string, n int) string {
		if len(s) <= n {
			return s
		}
		return cutRunes(s[:n]) + fmt.Sprintf(" […%d bytes cut]", len(s)-n)
	}
	for _, m := range msgs {
		for _, p := range m.Parts {
			switch {
			case p.Kind == llm.KindText && m.Role == llm.RoleAssistant:
				b.WriteString("[agent] " + clip(p.Text, 2000) + "\n")
			case p.Kind == llm.KindText:
				b.WriteString("[user] " + clip(p.Text, 2000) + "\n")
			case p.ToolCall != nil:
				b.WriteString("[call " + p.ToolCall.Name + "] " + clip(string(p.ToolCall.Args), 1000) + "\n")
			case p.ToolResult != nil:
				status := "result"
				if p.ToolResult.IsError {
					status = "error"
				}
				b.WriteString("[" + status + " " + p.ToolResult.Name + "] " + clip(p.ToolResult.Content, 1500) + "\n")
			}
		}
	}
	s := b.String()
	if limit > 0 && len(s) > limit {
		half := limit / 2
		s = cutRunes(s[:half]) + "\n[… the middle of the transcript was cut …]\n" + s[len(s)-half:]
	}
	return s
}
