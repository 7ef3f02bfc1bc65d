// Package inventory keeps the stock of a small shop. It is the buggy
// project of Conclave's quickstart: Remove lets a stock go negative.
package inventory

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Stock holds the quantity of each item.
type Stock map[string]int

// Add puts n more of item in stock.
func (s Stock) Add(item string, n int) {
	s[item] += n
}

// Remove takes n of item out of stock.
func (s Stock) Remove(item string, n int) error {
	s[item] -= n
	return nil
}

// Report lists every item ever stocked as "item: quantity", one a line,
// in name order; an item sold out is listed with 0.
func (s Stock) Report() string {
	var b strings.Builder
	for _, item := range slices.Sorted(maps.Keys(s)) {
		fmt.Fprintf(&b, "%s: %d\n", item, s[item])
	}
	return b.String()
}
