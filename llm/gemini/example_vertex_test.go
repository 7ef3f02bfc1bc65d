package gemini_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"golang.org/x/oauth2"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/gemini"
)

// Gemini on Google Vertex AI, with a Google access token instead of an API
// key. A stand-in server answers as Vertex AI would, so the example runs
// offline; against Vertex AI, drop WithBaseURL and WithTokenSource, and the
// token comes from GOOGLE_OAUTH_ACCESS_TOKEN or from the application-default
// credentials (gcloud auth application-default login).
func ExampleWithVertex() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.URL.Path)
		fmt.Println(r.Header.Get("Authorization"))
		io.WriteString(w, `{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[{"text":"Bonjour."}]}}],
			"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":3,"totalTokenCount":12}}`)
	}))
	defer srv.Close()

	c, err := gemini.New(
		gemini.WithVertex("my-project", "us-central1"),
		gemini.WithModel("gemini-2.5-pro"),
		gemini.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.example"})),
		gemini.WithBaseURL(srv.URL),
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
	// /v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent
	// Bearer ya29.example
	// Bonjour.
}
