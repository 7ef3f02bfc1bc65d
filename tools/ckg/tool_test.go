package ckg_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/ckg"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

var repo = map[string]string{
	"shop/cart.py": `class Cart:
    """A shopping cart."""

    def add(self, item):
        self.items.append(item)

    def total(self):
        return sum(i.price for i in self.items)


def checkout(cart):
    return cart.total()
`,
	"web/api.ts": `import { checkout } from './util';

export interface Handler { handle(req: Request): Response; }

export const route = (path: string) => path.toLowerCase();

export class Api implements Handler {
  handle(req: Request): Response { return route(req.url); }
}
`,
	"web/util.ts": "export function checkout() {}\n",
}

func newTool(t *testing.T) (*ckg.Tool, string) {
	t.Helper()
	root := t.TempDir()
	for p, src := range repo {
		write(t, root, p, src)
	}
	ws, err := tools.NewLocal(root, nil)
	require.NoError(t, err)
	return ckg.NewTool(ws, &ckg.Options{CacheDir: t.TempDir()}), ws.Root()
}

func write(t *testing.T, root, p, src string) {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(p))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.WriteFile(full, []byte(src), 0o644))
}

func call(t *testing.T, tool *ckg.Tool, args string) tools.Result {
	t.Helper()
	res, err := tool.Run(t.Context(), json.RawMessage(args))
	require.NoError(t, err)
	return res
}

func TestToolConformance(t *testing.T) {
	tool, _ := newTool(t)
	toolstest.TestTool(t, tool,
		json.RawMessage(`{"command":"search_function","identifier":"checkout"}`),
		json.RawMessage(`{"command":"outline","path":"shop/cart.py"}`))
}

func TestToolCommands(t *testing.T) {
	tool, _ := newTool(t)
	tests := []struct {
		name, args string
		want       []string
		not        []string
		isError    bool
	}{
		{"function", `{"command":"search_function","identifier":"checkout"}`,
			[]string{"shop/cart.py:11-12 function checkout: def checkout(cart):", "web/util.ts:1-1 function checkout"}, nil, false},
		{"arrow function", `{"command":"search_function","identifier":"route"}`,
			[]string{"web/api.ts:5-5 function route: route = (path: string) =>"}, nil, false},
		{"loose fallback", `{"command":"search_function","identifier":"CHECK"}`,
			[]string{`No function is named exactly "CHECK"; prefix matches`, "checkout"}, nil, false},
		{"fuzzy", `{"command":"search_function","identifier":"chkt","match":"fuzzy"}`, []string{"checkout"}, nil, false},
		{"class with doc", `{"command":"search_class","identifier":"Cart"}`,
			[]string{"shop/cart.py:1-8 class Cart: class Cart:", "A shopping cart."}, nil, false},
		{"interface", `{"command":"search_class","identifier":"Handler"}`, []string{"interface Handler"}, nil, false},
		{"method", `{"command":"search_class_method","identifier":"Cart.total"}`,
			[]string{"shop/cart.py:7-8 method Cart.total"}, []string{"add"}, false},
		{"class methods", `{"command":"search_class_method","class":"Cart"}`,
			[]string{"method Cart.add", "method Cart.total"}, nil, false},
		{"body", `{"command":"search_class_method","identifier":"add","print_body":true}`,
			[]string{"     5\t        self.items.append(item)"}, nil, false},
		{"definition", `{"command":"get_definition","identifier":"Api.handle"}`, []string{"web/api.ts:8-8 method Api.handle"}, []string{"Handler.handle"}, false},
		{"definition at", `{"command":"get_definition","path":"web/api.ts","line":8,"column":44}`,
			[]string{"web/api.ts:5-5 function route"}, nil, false},
		{"references", `{"command":"find_references","identifier":"route"}`,
			[]string{"Uses: 1 (1 call)", "web/api.ts:8:43 (call) in Api.handle"}, nil, false},
		{"references at", `{"command":"find_references","path":"shop/cart.py","line":7,"column":9}`,
			[]string{"shop/cart.py:12:17 cart.total (call) in checkout"}, nil, false},
		{"outline", `{"command":"outline","path":"shop/cart.py"}`,
			[]string{"1-8 class class Cart:\n  4-5 method def add(self, item):\n  7-8 method def total(self):\n11-12 function def checkout(cart):"}, nil, false},
		{"nothing", `{"command":"search_class","identifier":"Zzyzx"}`, []string{`No class matches "Zzyzx"`}, nil, false},
		{"no identifier", `{"command":"search_function"}`, []string{"needs identifier"}, nil, true},
		{"partial position", `{"command":"get_definition","path":"web/api.ts","line":3}`, []string{"path, line and column together"}, nil, true},
		{"no name there", `{"command":"get_definition","path":"web/api.ts","line":1,"column":1}`, []string{"no identifier there"}, nil, true},
		{"outside", `{"command":"outline","path":"../x.py"}`, []string{"outside the workspace"}, nil, true},
		{"not indexed", `{"command":"outline","path":"README.md"}`, []string{"reads only"}, nil, true},
		{"bad command", `{"command":"explode"}`, []string{"command"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, tool, tt.args)
			assert.Equal(t, tt.isError, res.IsError, res.Content)
			for _, w := range tt.want {
				assert.Contains(t, res.Content, w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, res.Content, n)
			}
		})
	}
}

// TestToolSeesEdits checks the fault trae's tool has: an agent's edit
// must be visible to its next query.
func TestToolSeesEdits(t *testing.T) {
	tool, root := newTool(t)
	res := call(t, tool, `{"command":"search_function","identifier":"refund"}`)
	assert.NotContains(t, res.Content, "function refund")
	write(t, root, "shop/cart.py", repo["shop/cart.py"]+"\n\ndef refund(cart):\n    pass\n")
	res = call(t, tool, `{"command":"search_function","identifier":"refund"}`)
	assert.Contains(t, res.Content, "shop/cart.py:15-16 function refund")
	require.NoError(t, os.Remove(filepath.Join(root, "web/util.ts")))
	res = call(t, tool, `{"command":"search_function","identifier":"checkout"}`)
	assert.NotContains(t, res.Content, "web/util.ts")
}

func TestToolClipsOutput(t *testing.T) {
	tool, root := newTool(t)
	var b strings.Builder
	for i := range 300 {
		b.WriteString("def handler_with_a_rather_long_name_" + strings.Repeat("x", i%7) + "(a, b, c):\n    '''Handles one of very many things.'''\n    pass\n")
	}
	write(t, root, "many.py", b.String())
	res := call(t, tool, `{"command":"search_function","identifier":"handler","match":"prefix"}`)
	assert.Contains(t, res.Content, "more; narrow with")
	res = call(t, tool, `{"command":"outline","path":"many.py"}`)
	assert.LessOrEqual(t, len(res.Content), 17000)
	assert.Contains(t, res.Content, "output clipped")
}
