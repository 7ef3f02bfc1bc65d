package llm_test

import (
	"fmt"

	"github.com/conclave-dev/conclave/llm"
)

func ExampleLookup() {
	info, ok := llm.Lookup("claude-sonnet-4-5-20250929") // a dated name finds its model
	fmt.Println(ok, info.Window, info.Price.Input, info.Price.CacheRead)
	info, ok = llm.Lookup("claude-sonnet-4-5@20250929") // so does a Vertex AI name
	fmt.Println(ok, info.Window, info.Price.Input, info.Price.CacheRead)
	_, ok = llm.Lookup("gpt-5.4-pro") // a variant the catalog does not name is not gpt-5.4
	fmt.Println(ok)

	// Prices for a Meter: the catalog's, with your own on top.
	prices := llm.DefaultPrices()
	prices["my-finetune"] = llm.Price{Input: 0.5, Output: 1}
	meter := &llm.Meter{Prices: prices}
	fmt.Println(meter.Spent().Calls)
	// Output:
	// true 200000 3 0.3
	// true 200000 3 0.3
	// false
	// 0
}
