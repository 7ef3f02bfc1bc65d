package report_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/report"
	"github.com/stretchr/testify/require"
)

// counter counts the bytes written to it.
type counter int

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// BenchmarkReport makes the page of a run of 6 candidates with 200-step
// trajectories (and three judges over three rounds): "read" is the
// baseline, reading every trajectory with agent.ReadTrajectory; "load"
// reads the run as a report does; "page" loads and writes the page, and
// reports its weight in bytes beside the run directory's.
func BenchmarkReport(b *testing.B) {
	dir := b.TempDir()
	fixture(b, dir, 6, 200)
	var runBytes int64
	var trajectories []string
	require.NoError(b, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		runBytes += info.Size()
		if strings.HasSuffix(p, ".jsonl") {
			trajectories = append(trajectories, p)
		}
		return err
	}))
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range trajectories {
				f, err := os.Open(p)
				require.NoError(b, err)
				_, err = agent.ReadTrajectory(f)
				f.Close()
				require.NoError(b, err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := report.Load(dir)
			require.NoError(b, err)
		}
	})
	b.Run("page", func(b *testing.B) {
		b.ReportAllocs()
		var n counter
		for b.Loop() {
			n = 0
			r, err := report.Load(dir)
			require.NoError(b, err)
			require.NoError(b, report.Write(&n, r))
		}
		b.ReportMetric(float64(n), "page-bytes")
		b.ReportMetric(float64(runBytes), "run-dir-bytes")
	})
}

// BenchmarkBrowser loads a page in headless Chromium and opens its first
// trajectory with every step and tool call: a run with 4-step trajectories
// (the baseline) and one with 500 steps. It reports the page's load time
// (navigation start to the load event's end) and the time to open and lay
// out the trajectory, in milliseconds.
func BenchmarkBrowser(b *testing.B) {
	chromium(b)
	for _, steps := range []int{4, 500} {
		b.Run("steps="+strconv.Itoa(steps), func(b *testing.B) {
			dir := b.TempDir()
			fixture(b, dir, 2, steps)
			url := page(b, dir)
			var c console
			ctx := browse(b, &c)
			var load, expand float64
			for b.Loop() {
				require.NoError(b, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#run-1-winner")))
				load += evalB[float64](b, ctx, loadTime)
				expand += evalB[float64](b, ctx, expandAll)
			}
			b.ReportMetric(load/float64(b.N), "ms-load")
			b.ReportMetric(expand/float64(b.N), "ms-open")
			require.Empty(b, c.said())
		})
	}
}

func evalB[T any](b *testing.B, ctx context.Context, js string) T {
	b.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(b, err, js)
	return v
}

var _ io.Writer = (*counter)(nil)
