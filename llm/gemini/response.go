package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// ErrMissingThoughtSignature reports a request Gemini refused to answer
// because a model turn in it lacked the thoughtSignature it was returned
// with (finish reason MISSING_THOUGHT_SIGNATURE). Append assistant
// messages to the conversation unchanged, with their Opaque data.
var ErrMissingThoughtSignature = errors.New("gemini: a model turn in the request lacks its thought signature")

// assembler folds a response, or the chunks of a stream, into an
// [llm.Response]. Generate and Stream share it, so a stream's final
// response is the one Generate would build from the same parts.
type assembler struct {
	model string // the model asked for, until the response names one
	ids   *idSource

	msg      llm.Message
	open     bool            // the last part is text or reasoning still growing in text
	text     strings.Builder // the text of the open part
	finish   string
	finMsg   string
	blocked  *promptFeedback
	usage    *usageMetadata
	respID   string
	streamed bool
	events   []llm.Event // the events of the latest add, reused
}

func newAssembler(req *llm.Request, model string) *assembler {
	return &assembler{
		model: model,
		ids:   newIDSource(req.Messages),
		msg:   llm.Message{Role: llm.RoleAssistant},
	}
}

// add folds one GenerateContentResponse in and returns the events it
// adds to a stream. The returned slice is valid until the next call.
func (a *assembler) add(r *generateResponse) ([]llm.Event, error) {
	a.events = a.events[:0]
	if r.Error != nil {
		e := &llm.APIError{Provider: provider, StatusCode: r.Error.Code}
		applyErrorBody(r.Error, e)
		return nil, e
	}
	if r.ModelVersion != "" {
		a.model = r.ModelVersion
	}
	if r.ResponseID != "" {
		a.respID = r.ResponseID
	}
	if r.UsageMetadata != nil {
		a.usage = r.UsageMetadata
	}
	if r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		a.blocked = r.PromptFeedback
	}
	if len(r.Candidates) == 0 {
		return a.events, nil
	}
	c := r.Candidates[0]
	if c.FinishReason != "" {
		a.finish = c.FinishReason
		a.finMsg = c.FinishMessage
	}
	if c.Content == nil {
		return a.events, nil
	}
	for _, p := range c.Content.Parts {
		if err := a.addPart(p); err != nil {
			return nil, err
		}
	}
	return a.events, nil
}

func (a *assembler) addPart(p part) error {
	if fc := p.FunctionCall; fc != nil {
		if len(fc.PartialArgs) > 0 || fc.WillContinue {
			return fmt.Errorf("gemini: the response streams the arguments of function call %q in pieces (partialArgs), which this client never asks for and does not assemble", fc.Name)
		}
		args := bytes.TrimSpace(fc.Args)
		if len(args) == 0 || string(args) == "null" {
			args = []byte("{}")
		}
		a.closeText()
		id := fc.ID
		if id == "" {
			id = a.ids.next()
		}
		call := llm.ToolCall{ID: id, Name: fc.Name, Args: json.RawMessage(bytes.Clone(args))}
		a.msg.Parts = append(a.msg.Parts, llm.Part{Kind: llm.KindToolCall, ToolCall: &call, Opaque: opaque(p.ThoughtSignature)})
		ev := call
		a.events = append(a.events, llm.Event{Kind: llm.EventToolCall, ToolCall: &ev})
		return nil
	}
	if p.Text == nil && p.ThoughtSignature == "" {
		return nil // a kind of part this client never asks for
	}
	var text string
	if p.Text != nil {
		text = *p.Text
	}
	kind, evKind := llm.KindText, llm.EventText
	if p.Thought {
		kind, evKind = llm.KindReasoning, llm.EventReasoning
	}
	if text != "" {
		a.events = append(a.events, llm.Event{Kind: evKind, Text: text})
	}
	// Streamed text arrives as many parts of one kind; they join into one
	// part, which takes the signature whichever piece carried it. Only two
	// signatures keep two parts apart.
	if a.open {
		last := &a.msg.Parts[len(a.msg.Parts)-1]
		if last.Kind == kind && (last.Opaque == nil || p.ThoughtSignature == "") {
			a.text.WriteString(text)
			if last.Opaque == nil {
				last.Opaque = opaque(p.ThoughtSignature)
			}
			return nil
		}
	}
	if text == "" && p.ThoughtSignature == "" {
		return nil
	}
	a.closeText()
	a.msg.Parts = append(a.msg.Parts, llm.Part{Kind: kind, Opaque: opaque(p.ThoughtSignature)})
	a.open = true
	a.text.WriteString(text)
	return nil
}

// closeText stores the text of the last part, built up in a.text while
// its pieces arrived (joining them one by one would copy it each time).
func (a *assembler) closeText() {
	if a.open {
		a.msg.Parts[len(a.msg.Parts)-1].Text = a.text.String()
		a.text.Reset()
		a.open = false
	}
}

func opaque(sig string) *llm.Opaque {
	if sig == "" {
		return nil
	}
	return &llm.Opaque{Provider: provider, Signature: sig}
}

// response returns the assembled response, or the error the finish reason
// stands for.
func (a *assembler) response() (*llm.Response, error) {
	a.closeText()
	resp := &llm.Response{
		Message:            a.msg,
		ProviderStopReason: a.finish,
		Usage:              usage(a.usage),
		Model:              a.model,
		ID:                 a.respID,
	}
	if a.finish == "" && a.blocked != nil {
		resp.StopReason = llm.StopRefusal
		resp.ProviderStopReason = "prompt blocked: " + a.blocked.BlockReason
		return resp, nil
	}
	if a.finish == "" && a.streamed {
		return nil, fmt.Errorf("gemini: %w: the stream ended before a finish reason", llm.ErrConnection)
	}
	hasCalls := len(a.msg.ToolCalls()) > 0
	switch a.finish {
	case "STOP":
		resp.StopReason = llm.StopEnd
	case "MAX_TOKENS":
		resp.StopReason = llm.StopMaxTokens
	case "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR", "JAILBREAK":
		resp.StopReason = llm.StopRefusal
	case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS":
		return nil, fmt.Errorf("gemini: %w (%s)%s", llm.ErrMalformedToolCall, a.finish, detail(a.finMsg))
	case "MISSING_THOUGHT_SIGNATURE":
		return nil, fmt.Errorf("%w (%s)%s", ErrMissingThoughtSignature, a.finish, detail(a.finMsg))
	default: // OTHER, FINISH_REASON_UNSPECIFIED, NO_IMAGE, IMAGE_OTHER, MALFORMED_RESPONSE, new reasons
		resp.StopReason = llm.StopOther
	}
	if hasCalls && (resp.StopReason == llm.StopEnd || resp.StopReason == llm.StopOther) {
		resp.StopReason = llm.StopToolUse // Gemini says STOP after function calls
	}
	return resp, nil
}

func detail(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// usage converts Gemini's counts. promptTokenCount includes the cached
// tokens, which are reported apart; toolUsePromptTokenCount (the results of
// Gemini's built-in tools, fed back within the call) is billed as input
// and counted in InputTokens; thoughtsTokenCount is output that
// candidatesTokenCount leaves out.
func usage(u *usageMetadata) llm.Usage {
	if u == nil {
		return llm.Usage{}
	}
	cached := max(u.CachedContentTokenCount, 0)
	return llm.Usage{
		InputTokens:     max(u.PromptTokenCount-cached, 0) + max(u.ToolUsePromptTokenCount, 0),
		CacheReadTokens: cached,
		OutputTokens:    max(u.CandidatesTokenCount, 0) + max(u.ThoughtsTokenCount, 0),
		ReasoningTokens: max(u.ThoughtsTokenCount, 0),
	}
}

// idSource makes ids for function calls Gemini returned without one:
// "gemini-call-N", N counting the tool calls of the conversation, the new
// ones included, and skipping any id already taken. The ids are unique
// within a conversation that grows by appending responses, and the same
// request always yields the same ids.
type idSource struct {
	n     int
	taken map[string]bool
}

func newIDSource(msgs []llm.Message) *idSource {
	s := &idSource{taken: map[string]bool{}}
	for _, m := range msgs {
		for _, p := range m.Parts {
			if p.ToolCall != nil {
				s.n++
				s.taken[p.ToolCall.ID] = true
			}
		}
	}
	return s
}

func (s *idSource) next() string {
	for {
		s.n++
		id := syntheticIDPrefix + strconv.Itoa(s.n)
		if !s.taken[id] {
			s.taken[id] = true
			return id
		}
	}
}
