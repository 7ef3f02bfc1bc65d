package llm

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"sync"
)

// Price is what a model costs, in dollars per million tokens of each kind.
type Price struct {
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cache_read"`
	CacheWrite float64 `json:"cache_write"`
}

// Cost returns the dollars u costs at p.
func (p Price) Cost(u Usage) float64 {
	return (float64(u.InputTokens)*p.Input +
		float64(u.OutputTokens)*p.Output +
		float64(u.CacheReadTokens)*p.CacheRead +
		float64(u.CacheWriteTokens)*p.CacheWrite) / 1e6
}

// Budget bounds what a [Meter] lets through; a zero field is no bound.
type Budget struct {
	Tokens  int
	Dollars float64
}

// Totals is what a [Meter] has counted for one model, or for all.
type Totals struct {
	Calls int     `json:"calls"`
	Usage Usage   `json:"usage"`
	Cost  float64 `json:"cost"`
	// Unpriced counts the calls whose model had no price in Prices; they
	// cost nothing in Cost, which is then a lower bound.
	Unpriced int `json:"unpriced,omitempty"`
}

func (t Totals) add(u Usage, cost float64, priced bool) Totals {
	t.Calls++
	t.Usage = t.Usage.Add(u)
	t.Cost += cost
	if !priced {
		t.Unpriced++
	}
	return t
}

// A Meter counts tokens and dollars per model across every model it wraps
// and enforces a budget. Configure the fields before the first call; the
// zero value counts without prices or bounds. It is safe for concurrent use.
//
// Once the budget is spent, calls fail with [ErrBudgetExceeded] before any
// request is sent. Calls already in flight when the budget runs out still
// complete and are counted, so concurrent callers may overshoot a budget by
// what their in-flight calls cost.
type Meter struct {
	// Prices maps model names to prices. A model is priced by the rule of
	// [Lookup]: by its exact name, or else by the longest key it continues
	// with a snapshot suffix only, so "claude-sonnet-4-5" prices
	// "claude-sonnet-4-5-20250929" and "claude-sonnet-4-5@20250929" but
	// "gpt-5" prices neither "gpt-5.6-sol" nor "gpt-5-mini".
	//
	// A model with no price is visible, never silently free: with a dollar
	// budget, a request naming it is refused before it is sent, and a call
	// whose model (as the provider reports it) has no price is counted in
	// [Totals.Unpriced] at no cost.
	Prices map[string]Price
	Budget Budget

	mu     sync.Mutex
	totals map[string]Totals
}

// Wrap returns a Model whose calls m's usage is counted by mt. Usage is
// counted under the model name the provider reports, or the request's.
func (mt *Meter) Wrap(m Model) Model {
	return &wrapper{
		generate: func(ctx context.Context, req *Request) (*Response, error) {
			if err := mt.check(req); err != nil {
				return nil, err
			}
			resp, err := m.Generate(ctx, req)
			if resp != nil {
				mt.record(req, resp.Model, resp.Usage)
			}
			return resp, err
		},
		stream: func(ctx context.Context, req *Request) iter.Seq2[Event, error] {
			return func(yield func(Event, error) bool) {
				if err := mt.check(req); err != nil {
					yield(Event{}, err)
					return
				}
				var (
					last  Usage
					model string
					seen  bool // usage was reported: the call cost something
				)
				defer func() {
					if seen {
						mt.record(req, model, last)
					}
				}()
				for ev, err := range Stream(ctx, m, req) {
					switch ev.Kind {
					case EventUsage:
						last, seen = *ev.Usage, true
					case EventDone:
						last, model, seen = ev.Response.Usage, ev.Response.Model, true
					}
					if !yield(ev, err) {
						return
					}
				}
			}
		},
	}
}

// Totals returns the counts per model name.
func (mt *Meter) Totals() map[string]Totals {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return maps.Clone(mt.totals)
}

// Spent returns the counts summed over every model.
func (mt *Meter) Spent() Totals {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return mt.spentLocked()
}

func (mt *Meter) spentLocked() Totals {
	var sum Totals
	for _, t := range mt.totals {
		sum.Calls += t.Calls
		sum.Usage = sum.Usage.Add(t.Usage)
		sum.Cost += t.Cost
		sum.Unpriced += t.Unpriced
	}
	return sum
}

func (mt *Meter) check(req *Request) error {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	spent := mt.spentLocked()
	if b := mt.Budget.Tokens; b > 0 && spent.Usage.Total() >= b {
		return fmt.Errorf("%w: %d tokens spent of a %d-token budget", ErrBudgetExceeded, spent.Usage.Total(), b)
	}
	if b := mt.Budget.Dollars; b > 0 {
		if spent.Cost >= b {
			return fmt.Errorf("%w: $%.4f spent of a $%.4f budget", ErrBudgetExceeded, spent.Cost, b)
		}
		if req.Model != "" {
			if _, ok := mt.price(req.Model); !ok {
				return fmt.Errorf("llm: meter has a dollar budget but no price for model %q: add it to Meter.Prices", req.Model)
			}
		}
	}
	return nil
}

func (mt *Meter) record(req *Request, model string, u Usage) {
	if model == "" {
		model = req.Model
	}
	p, priced := mt.price(model)
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if mt.totals == nil {
		mt.totals = make(map[string]Totals)
	}
	mt.totals[model] = mt.totals[model].add(u, p.Cost(u), priced)
}

// price looks model up in mt.Prices.
func (mt *Meter) price(model string) (Price, bool) {
	return FindPrice(mt.Prices, model)
}

// FindPrice returns the price prices holds for model by the rule of
// [Lookup]: model's exact name, or else the longest key that model
// continues with a snapshot suffix only. A [Meter] prices its calls with it.
func FindPrice(prices map[string]Price, model string) (Price, bool) {
	name, ok := matchModel(prices, model)
	return prices[name], ok
}
