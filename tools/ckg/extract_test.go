package ckg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// extractSource indexes one source text as if it were the file name.
func extractSource(t testing.TB, name, src string) *fileData {
	t.Helper()
	sp := specFor(name)
	require.NotNil(t, sp, name)
	x := newExtractor()
	defer x.close()
	fd, err := x.extract(t.Context(), sp, []byte(src))
	require.NoError(t, err)
	return fd
}

// brief renders a symbol as "kind Parent.Name@line".
func brief(s Symbol) string { return fmt.Sprintf("%s %s@%d", s.Kind, s.QualifiedName(), s.Line) }

func TestExtractDefinitions(t *testing.T) {
	tests := []struct {
		file, src string
		want      []string // every symbol, in order
	}{
		{"a.go", `package p

// F is generic.
func F[T any](x T) T { return x }

type S struct{ a int }
type I interface {
	M(x int) error
}
type A = int
type (
	B int
	G[T any] struct{}
)

func (s *S) Get() int { return s.a }
func (S) Val()        {}
func (g *G[T]) Gen()  {}
`, []string{"function F@4", "struct S@6", "interface I@7", "method I.M@8", "type A@10", "type B@12", "struct G@13",
			"method S.Get@16", "method S.Val@17", "method G.Gen@18"}},
		{"a.py", `import os

@decorator
def f(a, b=1):
    """Doc of f."""
    return a

class C(Base):
    class Inner:
        def m(self):
            def local():
                pass
    @property
    async def p(self) -> int:
        pass
    @staticmethod
    def s(): pass

lam = lambda x: x
`, []string{"function f@4", "class C@8", "class C.Inner@9", "method Inner.m@10", "function m.local@11",
			"method C.p@14", "method C.s@17", "function lam@19"}},
		{"a.js", `function f(a) { return a; }
const h = (x) => x + 1;
let k = function named() {};
function* gen() {}
class K extends Base {
  constructor() { super(); }
  m(a) { this.n(); }
  static s() {}
  arrow = () => {};
}
Foo.prototype.bar = function () {};
const obj = { meth: () => 1 };
`, []string{"function f@1", "function h@2", "function k@3", "function gen@4", "class K@5", "method K.constructor@6",
			"method K.m@7", "method K.s@8", "method K.arrow@9", "method Foo.bar@11", "function meth@12"}},
		{"a.ts", `export interface I<T> { m(a: T): void; }
export enum E { A, B }
export type Alias<T> = T | null;
abstract class G<T> implements I<T> {
  m(a: T): void {}
  over(a: string): void;
  over(a: number): void;
  over(a: any): void {}
  abstract am(): void;
}
export const arrow = <T,>(x: T): T => x;
namespace NS { export function nf() {} }
function fo(a: string): void;
function fo(a: any) {}
`, []string{"interface I@1", "method I.m@1", "enum E@2", "type Alias@3", "class G@4", "method G.m@5",
			"method G.over@6", "method G.over@7", "method G.over@8", "method G.am@9", "function arrow@11",
			"namespace NS@12", "function NS.nf@12", "function fo@13", "function fo@14"}},
		{"a.tsx", `export const Comp = (props: P) => <div>{props.x}</div>;
export function Other() { return <Comp x={1} />; }
`, []string{"function Comp@1", "function Other@2"}},
		{"A.java", `package com.ex;
/** Doc of A. */
@Ann
public class A<T> extends B {
  class Inner { void im() {} }
  public A() {}
  void m(int a) {}
  void m(String s) {}
  interface J { void j(); }
  enum Col { RED; void cm() {} }
  record R(int x) {}
}
`, []string{"class A@4", "class A.Inner@5", "method Inner.im@5", "method A.A@6", "method A.m@7", "method A.m@8",
			"interface A.J@9", "method J.j@9", "enum A.Col@10", "method Col.cm@10", "class A.R@11"}},
		{"a.rs", `/// Doc of S.
#[derive(Debug)]
pub struct S<T> { x: T }
pub enum En { A, B(i32) }
pub trait Tr { fn req(&self); fn def(&self) {} }
impl<T> S<T> { pub fn new() -> Self { todo!() } }
impl Tr for S<i32> { fn req(&self) {} }
type Al = i32;
mod inner { pub fn f() {} }
union U { a: i32 }
fn free() {}
`, []string{"struct S@3", "enum En@4", "trait Tr@5", "method Tr.req@5", "method Tr.def@5", "method S.new@6",
			"method S.req@7", "type Al@8", "namespace inner@9", "function inner.f@9", "union U@10", "function free@11"}},
		{"a.c", `/* Doc of f */
static int f(int a) { return a; }
int *pf(void) { return 0; }
struct S { int a; };
typedef struct T { int b; } T;
enum E { A };
union U { int x; };
int prototype(int);
`, []string{"function f@2", "function pf@3", "struct S@4", "type T@5", "struct T@5", "enum E@6", "union U@7"}},
		{"a.cpp", `namespace ns {
// Doc of K.
template <typename T>
class K : public Base {
public:
  K();
  ~K();
  void m(int a);
  void m(double a) { }
  struct Nested { int q(); };
};
void K::m(int a) { }
int free(int x) { return x; }
enum class Color { Red };
using Alias = int;
}
`, []string{"namespace ns@1", "class ns.K@4", "method K.K@6", "method K.~K@7", "method K.m@8", "method K.m@9",
			"struct K.Nested@10", "method Nested.q@10", "method K.m@12", "function ns.free@13", "enum ns.Color@14",
			"type ns.Alias@15"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fd := extractSource(t, tt.file, tt.src)
			var got []string
			for _, s := range fd.symbols {
				got = append(got, brief(s))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExtractDetails(t *testing.T) {
	tests := []struct {
		file, src, name string
		sig, doc        string
		start, end      int
	}{
		{"a.go", "package p\n\n// F does\n// things.\nfunc F(x int) (int, error) {\n\treturn 0, nil\n}\n", "F",
			"func F(x int) (int, error)", "F does\nthings.", 5, 7},
		{"a.py", "def f(a):\n    '''Doc of f.\n\n    More.'''\n    return a\n", "f", "def f(a):", "Doc of f.\n\nMore.", 1, 5},
		{"a.js", "/** Doc of f. */\nfunction f(a) {\n  return a;\n}\n", "f", "function f(a)", "Doc of f.", 2, 4},
		{"A.java", "/**\n * Doc of A.\n */\n@Ann\nclass A {\n}\n", "A", "@Ann class A", "Doc of A.", 4, 6},
		{"a.rs", "/// Doc of S.\n#[derive(Debug)]\npub struct S { x: i32 }\n", "S", "pub struct S", "Doc of S.", 3, 3},
		{"a.cpp", "// Doc of K.\ntemplate <typename T>\nclass K {\n};\n", "K", "class K", "Doc of K.", 3, 4},
		{"a.go", "package p\n\nvar x = 1 // trailing\nfunc F() {}\n", "F", "func F()", "", 4, 4},
		{"a.go", "package p\n\n// Not a doc.\n\nfunc F() {}\n", "F", "func F()", "", 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.name, func(t *testing.T) {
			fd := extractSource(t, tt.file, tt.src)
			var s *Symbol
			for i := range fd.symbols {
				if fd.symbols[i].Name == tt.name {
					s = &fd.symbols[i]
				}
			}
			require.NotNil(t, s, "%v", fd.symbols)
			assert.Equal(t, tt.sig, s.Signature)
			assert.Equal(t, tt.doc, s.Doc)
			assert.Equal(t, tt.start, s.StartLine)
			assert.Equal(t, tt.end, s.EndLine)
		})
	}
}

func TestExtractReferences(t *testing.T) {
	fd := extractSource(t, "a.go", `package p

import (
	"fmt"
	str "strings"
)

func F() { fmt.Println(G(1)); x.M(); _ = str.ToUpper }
func G(int) int { return 0 }
`)
	assert.Equal(t, []Import{{Name: "fmt", Path: "fmt"}, {Name: "str", Path: "strings"}}, fd.imports)
	var got []string
	for i := range fd.refs {
		r := fd.reference(&fd.refs[i])
		if fd.refs[i].flags&refDef != 0 {
			continue
		}
		got = append(got, fmt.Sprintf("%s.%s@%d:%d call=%v in=%s", r.Qualifier, r.Name, r.Line, r.Column, r.Call, r.Scope))
	}
	assert.Subset(t, got, []string{
		".fmt@8:12 call=false in=F", "fmt.Println@8:16 call=true in=F", ".G@8:24 call=true in=F",
		".x@8:31 call=false in=F", "x.M@8:33 call=true in=F", "str.ToUpper@8:46 call=false in=F",
	})
	for _, r := range got {
		assert.False(t, strings.HasPrefix(r, ".F@"), "a definition's name is not a use: %s", r)
	}
}

func TestExtractImports(t *testing.T) {
	tests := []struct {
		file, src string
		want      []Import
	}{
		{"a.py", "import os.path\nimport numpy as np\nfrom pkg.mod import Thing as T, other\nfrom . import sib\n", []Import{
			{Name: "os", Path: "os.path"}, {Name: "np", Path: "numpy"}, {Name: "other", Path: "pkg.mod", Member: "other"},
			{Name: "T", Path: "pkg.mod", Member: "Thing"}, {Name: "sib", Path: ".", Member: "sib"}}},
		{"a.js", "import D from 'lib';\nimport * as ns from './ns';\nimport { A, B as C } from './mod';\nconst r = require('./req');\nconst n = notRequire('x');\n", []Import{
			{Name: "D", Path: "lib"}, {Name: "ns", Path: "./ns"}, {Name: "A", Path: "./mod", Member: "A"},
			{Name: "C", Path: "./mod", Member: "B"}, {Name: "r", Path: "./req"}}},
		{"A.java", "import java.util.List;\nimport com.ex.*;\nimport static org.Assert.assertEquals;\nclass A {}\n", []Import{
			{Name: "List", Path: "java.util", Member: "List"}, {Name: "*", Path: "com.ex"},
			{Name: "assertEquals", Path: "org.Assert", Member: "assertEquals"}}},
		{"a.go", "package p\nimport (\n\t. \"dot\"\n\t_ \"blank\"\n\t\"example.com/m/v2\"\n)\n", []Import{
			{Path: "dot"}, {Path: "blank"}, {Name: "m", Path: "example.com/m/v2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			assert.Equal(t, tt.want, extractSource(t, tt.file, tt.src).imports)
		})
	}
}
