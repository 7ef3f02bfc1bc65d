package llm_test

import (
	"fmt"

	"github.com/conclave-dev/conclave/llm"
)

func ExampleLookup() {
	info, ok := llm.Lookup("claude-sonnet-4-5-20250929") // a dated name finds its family
	fmt.Println(ok, info.Window, info.Price.Input, info.Price.CacheRead)

	// Prices for a Meter: the catalog's, with your own on top.
	prices := llm.DefaultPrices()
	prices["my-finetune"] = llm.Price{Input: 0.5, Output: 1}
	meter := &llm.Meter{Prices: prices}
	fmt.Println(meter.Spent().Calls)
	// Output:
	// true 200000 3 0.3
	// 0
}
