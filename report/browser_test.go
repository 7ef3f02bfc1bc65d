package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/conclave-dev/conclave/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium returns the path of a Chromium to drive, or skips: the browser
// tests need one (Debian's chromium package; .ci/run installs it).
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CONCLAVE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (chromium, chromium-browser or google-chrome on PATH, or CONCLAVE_CHROMIUM): install Debian's chromium package to run the browser tests")
	return ""
}

// console collects what the page says on its console, throws, or logs as
// an error (a refused script or style is logged so).
type console struct {
	mu       sync.Mutex
	messages []string
}

func (c *console) listen(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, string(a.Value)+a.Description)
		}
		c.messages = append(c.messages, fmt.Sprintf("console.%s: %v", ev.Type, args))
	case *runtime.EventExceptionThrown:
		c.messages = append(c.messages, fmt.Sprintf("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			c.messages = append(c.messages, fmt.Sprintf("log %s: %s", ev.Entry.Level, ev.Entry.Text))
		}
	}
}

func (c *console) said() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.messages...)
}

// browse starts a headless Chromium with its own tab listening to c, and
// ends it, every process of it, when the test ends.
func browse(t testing.TB, c *console) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(c.listen))
	t.Cleanup(func() {
		require.NoError(t, chromedp.Cancel(ctx))
		cancel()
		cancelAlloc()
	})
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})))
	// The browser started without a deadline; the actions have one, so a
	// page that never shows what a test waits for fails it.
	actx2, cancelActions := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelActions)
	return actx2
}

// page writes the report of the run in dir to a file and returns its URL.
func page(t testing.TB, dir string) string {
	t.Helper()
	r, err := report.Load(dir)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, report.Write(&b, r))
	name := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(name, b.Bytes(), 0o644))
	return "file://" + name
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// click clicks the first element matching sel as a user would, once it is
// scrolled into the middle of the view and two frames have been drawn:
// the steps' content-visibility lays out what comes into view only then,
// and a click on coordinates taken before would miss.
func click(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	settle := fmt.Sprintf(`new Promise(function(r){document.querySelector(%q).scrollIntoView({block:'center'});
requestAnimationFrame(function(){requestAnimationFrame(function(){r(true)})})})`, sel)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](settle, chromedp.EvalAwaitPromise))
	require.NoError(t, err, sel)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(sel)), sel)
}

// visible is a script testing that the elements matching a selector are
// all laid out on the page, and that there is one at least.
func visible(sel string) string {
	return fmt.Sprintf(`(function(){var n=document.querySelectorAll(%q); if(!n.length) return false;
for (var i=0;i<n.length;i++){if(!n[i].checkVisibility({contentVisibilityAuto:false})) return false} return true})()`, sel)
}

func TestBrowser(t *testing.T) {
	chromium(t)
	dir := t.TempDir()
	fixture(t, dir, 5, 6)
	var c console
	ctx := browse(t, &c)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page(t, dir)), chromedp.WaitVisible("#run-1-winner")))

	// At a glance: the winner and the stage that chose it, the funnel,
	// every judge's ballot.
	// The page's own style applies: its hash is in the policy.
	assert.Equal(t, "1200px", eval[string](t, ctx, `getComputedStyle(document.body).maxWidth`))
	winner := eval[string](t, ctx, `document.getElementById('run-1-winner').innerText`)
	assert.Contains(t, winner, "claude")
	assert.Contains(t, winner, "panel")
	assert.True(t, eval[bool](t, ctx, visible("table.funnel tr")))
	assert.Equal(t, 6, eval[int](t, ctx, `document.querySelectorAll('table.funnel tr').length`), "a heading and five stages")
	assert.True(t, eval[bool](t, ctx, visible("tr.ballot")))
	judges := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('tr.ballot td:first-child b')).map(function(b){return b.innerText})`)
	assert.Len(t, judges, 9, "three judges, three rounds")
	assert.Subset(t, judges, []string{"gemini", "gpt", "opus"})

	// A step's tool output shows once the trajectory, the step and the
	// call are opened, and not before.
	assert.False(t, eval[bool](t, ctx, visible("#run-1-traj-1 details.step pre.output")))
	click(t, ctx, "#run-1-traj-1 > summary")
	click(t, ctx, "#run-1-traj-1 details.step > summary")
	// Opening the step builds its body from its template.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#run-1-traj-1 details.step details.call') !== null`))
	require.NoError(t, err)
	click(t, ctx, "#run-1-traj-1 details.step details.call > summary")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible("#run-1-traj-1 details.step pre.output")))
	out := eval[string](t, ctx, `document.querySelector('#run-1-traj-1 details.step pre.output').textContent`)
	assert.Contains(t, out, "step1.py:1:def half(n):")

	// The page's own script opens every step of a trajectory.
	click(t, ctx, `#run-1-traj-1 button[data-steps="open"]`)
	assert.Equal(t, 6, eval[int](t, ctx, `document.querySelectorAll('#run-1-traj-1 details.step[open]').length`))

	// The hostile patch and model output, opened, run nothing.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('button[data-steps="open"]').forEach(function(b){b.click()});
document.querySelectorAll('details').forEach(function(d){d.open=true})`)))
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('details.step > template').length`), "every step built")
	assert.Equal(t, "undefined", eval[string](t, ctx, `typeof window.pwned`))
	assert.Equal(t, 1, eval[int](t, ctx, `document.scripts.length`))
	text := eval[string](t, ctx, `document.body.textContent`)
	assert.Contains(t, text, "</script><script>window.pwned=1</script>")
	assert.Contains(t, text, "Step 6: looking at half(). </script><script>window.pwned=1</script>", "the hostile model text, in its step")

	assert.Empty(t, c.said(), "the page said something on its console")

	if *update {
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(function(d){d.open=false}); document.querySelector('#run-1-issue + details').open=true; window.scrollTo(0,0)`)))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "report.png"), png, 0o644))
	}
}

// TestBrowserLongTrajectory opens a 500-step trajectory, and every step of
// it, in the browser, and reports how long that took (BenchmarkBrowser has
// the figures).
func TestBrowserLongTrajectory(t *testing.T) {
	chromium(t)
	dir := t.TempDir()
	fixture(t, dir, 2, 500)
	var c console
	ctx := browse(t, &c)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page(t, dir)), chromedp.WaitVisible("#run-1-winner")))
	assert.Equal(t, 500, eval[int](t, ctx, `document.querySelectorAll('#run-1-traj-1 details.step').length`))
	load := eval[float64](t, ctx, loadTime)
	ms := eval[float64](t, ctx, expandAll)
	assert.Equal(t, 500, eval[int](t, ctx, `document.querySelectorAll('#run-1-traj-1 details.step[open]').length`))
	assert.True(t, eval[bool](t, ctx, visible("#run-1-traj-1 details.step:last-of-type > summary")))
	t.Logf("the page loaded in %.0f ms and opened 500 steps in %.0f ms (figures: BenchmarkBrowser)", load, ms)
	assert.Empty(t, c.said())
}

// loadTime is the milliseconds from navigation start to the end of the
// load event.
const loadTime = `(function(){var n=performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime})()`

// expandAll opens the first trajectory and every step of it with the
// page's own button, forces the layout, and returns the milliseconds it
// took.
const expandAll = `(function(){
var t0 = performance.now();
var tr = document.getElementById('run-1-traj-1');
tr.open = true;
tr.querySelector('button[data-steps="open"]').click();
tr.querySelectorAll('details.call').forEach(function(d){d.open=true});
document.body.getBoundingClientRect();
tr.lastElementChild.scrollIntoView();
document.body.offsetHeight;
return performance.now() - t0;
})()`
