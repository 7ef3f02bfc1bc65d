package anthropic_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
)

// Claude on Google Vertex AI, with a Google access token instead of an API
// key. A stand-in server answers as Vertex AI would, so the example runs
// offline; against Vertex AI, drop WithBaseURL and WithTokenSource, and the
// token comes from GOOGLE_OAUTH_ACCESS_TOKEN or from the application-default
// credentials (gcloud auth application-default login).
func ExampleWithVertex() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.URL.Path)
		fmt.Println(r.Header.Get("Authorization"))
		io.WriteString(w, `{"id":"msg_v1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			"content":[{"type":"text","text":"Bonjour."}],"stop_reason":"end_turn",
			"usage":{"input_tokens":9,"output_tokens":3}}`)
	}))
	defer srv.Close()

	c, err := anthropic.New(
		anthropic.WithVertex("my-project", "us-east5"),
		anthropic.WithModel("claude-sonnet-4-5@20250929"),
		anthropic.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.example"})),
		anthropic.WithBaseURL(srv.URL),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Generate(context.Background(), &llm.Request{Messages: []llm.Message{llm.UserText("Say hello in French.")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Message.Text())
	// Output:
	// /v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict
	// Bearer ya29.example
	// Bonjour.
}
