package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-dev/conclave"
)

// Write writes one self-contained HTML page showing runs, each in its own
// section (conclave report writes one run; conclave select --report a
// selection per instance). The page loads nothing: its style and script
// are inline, and its Content-Security-Policy allows no other script, no
// style but its own and no network. Every text of the runs (issues,
// patches, model output, names) is escaped by html/template and never
// reaches a script. The page is the same for the same runs.
func Write(w io.Writer, runs ...*Run) error {
	p := pageView{}
	for i, r := range runs {
		p.Runs = append(p.Runs, view(r, i+1))
	}
	switch {
	case len(p.Runs) == 1:
		p.Title = "Conclave: " + p.Runs[0].ID
	default:
		p.Title = fmt.Sprintf("Conclave: %d runs", len(p.Runs))
	}
	return execute(w, "page", p)
}

type pageView struct {
	Title string
	Runs  []*runView
}

func execute(w io.Writer, name string, data any) error {
	bw := bufio.NewWriter(w)
	if err := pages.ExecuteTemplate(bw, name, data); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// The page's style and script, inline, allowed by their hashes.
const (
	style = `
:root{--fg:#1d2127;--mute:#667;--line:#dde;--bg:#fff;--soft:#f5f6f8;--add:#e6ffec;--del:#ffebe9;--hunk:#ddf4ff;--win:#1a7f37;--bad:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:0 16px 64px}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
pre,code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:0;padding:8px;background:var(--soft);border-radius:4px;overflow:auto;max-height:40em}
pre.wrap{white-space:pre-wrap;word-break:break-word}
table{border-collapse:collapse;margin:6px 0;width:100%}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}th{background:var(--soft);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:var(--mute)}.bad{color:var(--bad)}.good{color:var(--win)}.warn{color:var(--warn)}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:8px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px}.card b{display:block;font-size:16px}
.card.win{border-color:var(--win)}.card.doubt{border-color:var(--warn)}
nav a{margin-right:12px}
meter{width:160px;height:14px;vertical-align:middle}
.yes{color:var(--win);font-weight:600}.no{color:var(--bad);font-weight:600}.pick{color:#0969da;font-weight:600}
.find{font-size:12px;margin:2px 0 0 0;padding:0;list-style:none}.find li{margin:0}
.tag{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 6px;margin:1px 2px;font-size:12px}
.tag.win{border-color:var(--win);color:var(--win)}.tag.drop{border-color:var(--bad);color:var(--bad)}
details{margin:4px 0}summary{cursor:pointer}
.diff{padding:0}.diff span{display:block;padding:0 8px;white-space:pre}
.diff .add{background:var(--add)}.diff .del{background:var(--del)}.diff .hunk{background:var(--hunk);color:#555}.diff .file{font-weight:600}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:8px}.sbs>div{min-width:0}
.cand{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:8px 0}.cand.win{border-color:var(--win)}
.traj>summary{font-weight:600}
.step{border-left:3px solid var(--line);padding-left:8px;margin:2px 0;content-visibility:auto;contain-intrinsic-size:auto 1.6em}
.step.err{border-left-color:var(--bad)}.step.sub{margin-left:24px}
.step>summary{font-size:13px}.step .body{padding:4px 0 8px}
.call{margin:4px 0 4px 8px}.call.err>summary{color:var(--bad)}
.trim{color:var(--warn);font-size:12px}
.toolbar button{font-size:12px;margin:4px 4px 4px 0}
`
	script = `
(function(){
  function fill(d) {
    var t = d.querySelector(':scope > template');
    if (t) { d.appendChild(t.content); t.remove(); }
  }
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d.open && d.classList && d.classList.contains('step')) fill(d);
  }, true);
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-steps]');
    if (!b) return;
    var open = b.getAttribute('data-steps') === 'open';
    var steps = b.closest('details').querySelectorAll('details.step');
    for (var i = 0; i < steps.length; i++) {
      if (open) fill(steps[i]);
      steps[i].open = open;
    }
  });
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    for (var el = id && document.getElementById(id); el; el = el.parentElement) {
      if (el.tagName === 'DETAILS') el.open = true;
    }
  }
  window.addEventListener('hashchange', reveal);
  reveal();
})();
`
)

// csp is the page's Content-Security-Policy: nothing from the network, and
// only the page's own style and script.
var csp = fmt.Sprintf("default-src 'none'; style-src '%s'; script-src '%s'; img-src data:; base-uri 'none'; form-action 'none'", hash(style), hash(script))

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var funcs = template.FuncMap{
	"tokens": tokens,
	"cost":   func(c float64) string { return fmt.Sprintf("$%.4f", c) },
	"num":    func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
	"dur":    func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"join":   strings.Join,
	"inc":    func(i int) int { return i + 1 },
	"pct": func(f float64) string {
		return strconv.FormatFloat(100*f, 'f', 0, 64) + "%"
	},
	"feature": func(m map[string]float64, k string) string { return strconv.FormatFloat(m[k], 'g', 3, 64) },
	"usage": func(rows []conclave.Usage, stage, model bool) usageTable {
		return usageTable{Rows: rows, Stage: stage, Model: model}
	},
}

// usageTable is a table of usage rows, with a stage column, a model
// column or both.
type usageTable struct {
	Rows         []conclave.Usage
	Stage, Model bool
}

// tokens writes n with thousands separated.
func tokens(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

var pages = template.Must(template.New("").Funcs(funcs).Parse(
	strings.NewReplacer("@CSP@", csp, "@STYLE@", style, "@SCRIPT@", script).Replace(pageTemplate + indexTemplate)))
