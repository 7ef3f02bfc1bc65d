package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/temporal"
)

// The simulation: a SWE-bench-sized batch (500 issues x 6 Coders, a
// Tester, three judges, one of which verifies) run by the real workflow
// code in the SDK's test environment, its activities scripted with
// latencies of the real ones compressed (a minute of model time is a
// millisecond), to measure what the workflow costs the cluster (history
// payloads, activities) and what a worker crash costs the batch.
//
//	go test ./temporal -run '^$' -bench Batch -benchtime 1x
const (
	simIssues = 500
	simCoders = 6
)

var simJudges = []string{"j1", "j2", "j3"}

// simWorld is the scripted world of one run of the batch: what each
// Coder writes, what the judges and tests say, all drawn from hashes of
// the names, so two runs agree except where a crash changed a draw.
type simWorld struct {
	crash   func(issue string, coder string) bool // the first attempt of this Coder dies with its worker
	patches sync.Map                              // issue/coder -> the variant written
	decided sync.Map                              // issue -> decision

	activities, reruns atomic.Int64
}

// draw is a number in [0, 1) from the names.
func draw(parts ...any) float64 {
	h := fnv.New64a()
	fmt.Fprint(h, parts...)
	return float64(h.Sum64()%1_000_000) / 1_000_000
}

// The variants of an issue's fix: 0 and 1 resolve it (written
// differently), 2 and 3 do not, 4 breaks a test.
func variantOf(issue, coder string, attempt int32) int {
	x := draw(issue, coder, attempt)
	switch {
	case x < 0.45:
		return 0
	case x < 0.60:
		return 1
	case x < 0.78:
		return 2
	case x < 0.90:
		return 3
	}
	return 4
}

func correct(v int) bool { return v <= 1 }

const simOriginal = "def f(x):\n    if x is None:\n        return 0\n    return x * 2\n"

var simLines = []string{"    return x * 2 + 1", "    return 1 + x * 2", "    return x * 3", "    return x + 2", "    raise ValueError(x)"}

func simFile(issue string) string { return "pkg/m_" + issue + ".py" }

func simPatch(issue string, v int) string {
	f := simFile(issue)
	return fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -2,3 +2,3 @@\n     if x is None:\n         return 0\n-    return x * 2\n+%s\n", f, f, f, f, simLines[v])
}

// sleep is a compressed latency: min to max minutes become milliseconds.
func sleep(ctx context.Context, lo, hi float64, parts ...any) {
	d := time.Duration((lo + (hi-lo)*draw(parts...)) * float64(time.Millisecond))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *simWorld) register(env *testsuite.TestWorkflowEnvironment) {
	reg := func(name string, fn any) {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	reg(temporal.ActivityPrepare, func(ctx context.Context, t conclave.Task) (temporal.Prepared, error) {
		s.activities.Add(1)
		return temporal.Prepared{Task: t, TestParallel: 4}, nil
	})
	reg(temporal.ActivityGenerate, func(ctx context.Context, in temporal.GenerateInput) (temporal.Attempt, error) {
		s.activities.Add(1)
		attempt := activity.GetInfo(ctx).Attempt
		if attempt > 1 {
			s.reruns.Add(1)
		}
		sleep(ctx, 2, 10, "coder", in.Task.ID, in.Coder, attempt) // 2-10 minutes of agent
		if attempt == 1 && s.crash(in.Task.ID, in.Coder) {
			return temporal.Attempt{}, errors.New("activity heartbeat timeout: the worker died")
		}
		v := variantOf(in.Task.ID, in.Coder, attempt)
		s.patches.Store(in.Task.ID+"/"+in.Coder, v)
		return temporal.Attempt{Coder: in.Coder, Round: in.Round, Candidate: in.Coder, Patched: true, Steps: 30, Tokens: 400_000, Attempt: attempt}, nil
	})
	reg(temporal.ActivityCandidates, func(ctx context.Context, in temporal.RoundInput) (temporal.Selection, error) {
		s.activities.Add(1)
		var sel temporal.Selection
		for i := range simCoders {
			id := fmt.Sprintf("c%d", i)
			v, _ := s.patches.Load(in.Task.ID + "/" + id)
			sel.Candidates = append(sel.Candidates, selector.Candidate{ID: id, Source: "model-" + id, Patch: simPatch(in.Task.ID, v.(int)),
				Meta: map[string]string{"variant": strconv.Itoa(v.(int))}})
		}
		sel.Base = map[string][]byte{simFile(in.Task.ID): []byte(simOriginal)}
		return sel, nil
	})
	reg(temporal.ActivityPlan, func(ctx context.Context, in temporal.RoundInput) (temporal.PlanSummary, error) {
		s.activities.Add(1)
		sleep(ctx, 2, 5, "plan", in.Task.ID) // the explorer and two runs of the tests
		return temporal.PlanSummary{Suites: 1, Passed: 5, Run: 5}, nil
	})
	reg(temporal.ActivityTests, func(ctx context.Context, in temporal.TestInput) (selector.TestResults, error) {
		s.activities.Add(1)
		sleep(ctx, 0.5, 2, "tests", in.Task.ID, in.Candidate)
		res := selector.TestResults{"t1": true, "t2": true, "t3": true, "t4": true, "t5": true}
		if in.Candidate != "" {
			if v, _ := s.patches.Load(in.Task.ID + "/" + in.Candidate); v.(int) == 4 {
				res["t3"] = false
			}
		}
		return res, nil
	})
	reg(temporal.ActivityAsk, func(ctx context.Context, in temporal.AskInput) (selector.Answer, error) {
		s.activities.Add(1)
		sleep(ctx, 1, 4, "ask", in.Task.ID, in.Judge, in.Question.Round)
		ans := selector.Answer{Approve: map[string]bool{}, Reason: "scripted", Trace: &selector.Trace{Model: in.Judge, Steps: 12, Tokens: 80_000}}
		for _, c := range in.Question.Candidates {
			v, _ := strconv.Atoi(c.Meta["variant"])
			right := draw("judge", in.Task.ID, in.Judge, c.ID, in.Question.Round) < 0.8
			ans.Approve[c.ID] = correct(v) == right
		}
		return ans, nil
	})
	reg(temporal.ActivityVerify, func(ctx context.Context, in temporal.VerifyInput) (selector.Verdict, error) {
		s.activities.Add(1)
		sleep(ctx, 1, 4, "verify", in.Task.ID)
		v, _ := strconv.Atoi(in.Candidate.Meta["variant"])
		right := draw("verify", in.Task.ID, in.Candidate.ID) < 0.85
		return selector.Verdict{Confirmed: correct(v) == right, Reason: "scripted"}, nil
	})
	reg(temporal.ActivityRecord, func(ctx context.Context, in temporal.RecordInput) error {
		s.activities.Add(1)
		s.decided.Store(in.Task.ID, in.Decision)
		return nil
	})
	reg(temporal.ActivityFinish, func(ctx context.Context, t conclave.Task) (temporal.Finished, error) {
		s.activities.Add(1)
		d, _ := s.decided.Load(t.ID)
		dec := d.(*selector.Decision)
		return temporal.Finished{Winner: dec.Winner, DecidedBy: dec.DecidedBy, Confident: dec.Confident, Rounds: 1}, nil
	})
}

// simIssue is an issue's text, of a SWE-bench problem statement's
// typical size (about 3 kB).
func simIssue(i int) string {
	return fmt.Sprintf("Issue %d: f(x) should be 2x+1.\n\n", i) + strings.Repeat("Steps to reproduce, a traceback and the expected behaviour, as users write them.\n", 40)
}

// simPipeline is the batch's Pipeline as the workflow sees it: names,
// seed and stages; its models are never called.
func simPipeline() *conclave.Pipeline {
	p := &conclave.Pipeline{Tester: &tester.Tester{}, Judges: map[string]selector.Judge{}, Verifier: "j1", Seed: 7}
	for i := range simCoders {
		id := fmt.Sprintf("c%d", i)
		p.Coders = append(p.Coders, &coder.Coder{ID: id, Agent: agent.Agent{Model: llmtest.NewScript(), ModelName: "model-" + id}})
	}
	for _, name := range simJudges {
		p.Judges[name] = &judge.Judge{Agent: agent.Agent{Model: llmtest.NewScript(), ModelName: "judge-" + name}}
	}
	return p
}

type simResult struct {
	winners           map[string]string
	resolved          int
	payload, inline   int64 // history payload bytes: with the codec, and all inline
	most              int64 // the largest issue's, with the codec
	activities, rerun int64
	elapsed           time.Duration
}

// simulate runs the batch once.
func simulate(b *testing.B, crash func(issue, coder string) bool) simResult {
	world := &simWorld{crash: crash}
	w := &temporal.Worker{Pipeline: simPipeline(), Retry: fastRetry}
	store := temporal.DirStore(b.TempDir())
	res := simResult{winners: map[string]string{}}
	var mu sync.Mutex
	batch := &temporal.Batch{Parallel: 32, Run: func(ctx context.Context, task conclave.Task) (*temporal.Outcome, error) {
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(quiet)
		env := suite.NewTestWorkflowEnvironment()
		codec := &temporal.Codec{Store: store}
		env.SetDataConverter(temporal.NewDataConverter(codec))
		env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: temporal.DeadlockTimeout})
		env.RegisterWorkflowWithOptions(w.Run, workflow.RegisterOptions{Name: temporal.WorkflowName})
		world.register(env)
		env.ExecuteWorkflow(temporal.WorkflowName, task)
		if err := env.GetWorkflowError(); err != nil {
			return nil, err
		}
		var out temporal.Outcome
		if err := env.GetWorkflowResult(&out); err != nil {
			return nil, err
		}
		st := codec.Stats()
		mu.Lock()
		res.payload += st.Inline + st.Refs
		res.most = max(res.most, st.Inline+st.Refs)
		res.inline += st.Inline + st.Stored
		mu.Unlock()
		return &out, nil
	}}
	var failed []string
	batch.Done = func(task conclave.Task, out *temporal.Outcome, err error) {
		if err != nil {
			failed = append(failed, task.ID+": "+err.Error())
			return
		}
		res.winners[task.ID] = out.Winner
		if v, _ := world.patches.Load(task.ID + "/" + out.Winner); correct(v.(int)) {
			res.resolved++
		}
	}
	var tasks []conclave.Task
	for i := range simIssues {
		tasks = append(tasks, conclave.Task{ID: fmt.Sprintf("issue-%03d", i), Repo: "sim", Issue: simIssue(i)})
	}
	start := time.Now()
	n, err := batch.Start(b.Context(), tasks)
	res.elapsed = time.Since(start)
	if err != nil || n > 0 {
		b.Fatalf("%d failed (%v): %v", n, err, failed)
	}
	res.activities, res.rerun = world.activities.Load(), world.reruns.Load()
	return res
}

// BenchmarkBatch runs the batch twice: undisturbed, and with one worker
// of eight dying while the middle third of the issues generate (the
// first attempt of every Coder it ran is lost; the retry samples the
// model again).
func BenchmarkBatch(b *testing.B) {
	for b.Loop() {
		calm := simulate(b, func(string, string) bool { return false })
		crashed := simulate(b, func(issue, coder string) bool {
			var i int
			fmt.Sscanf(issue, "issue-%d", &i)
			return i >= simIssues/3 && i < 2*simIssues/3 && draw("worker", issue, coder) < 1.0/8
		})
		changed, flipped := 0, 0
		for id, w := range calm.winners {
			if crashed.winners[id] != w {
				changed++
			}
		}
		flipped = crashed.resolved - calm.resolved
		perIssue := float64(calm.payload) / simIssues
		activities := float64(calm.activities) / simIssues
		b.ReportMetric(perIssue, "payload-B/issue")
		b.ReportMetric(float64(calm.inline)/simIssues, "inline-B/issue")
		b.ReportMetric(activities, "activities/issue")
		b.ReportMetric(float64(crashed.rerun), "reruns")
		b.ReportMetric(float64(changed), "winners-changed")
		b.Logf("%d issues x %d Coders, %d judges; batch of 32 at once", simIssues, simCoders, len(simJudges))
		b.Logf("undisturbed: %d activities (%.1f per issue), history payloads %.0f B per issue with the blob codec (largest %d B), %.0f B if all inline (%.1fx); %v",
			calm.activities, activities, perIssue, calm.most, float64(calm.inline)/simIssues, float64(calm.inline)/float64(calm.payload), calm.elapsed.Round(time.Millisecond))
		b.Logf("one worker of eight dies mid-batch: %d Coder runs re-run (%d activities in all, +%d), %d winners changed, resolved %+d; %v",
			crashed.rerun, crashed.activities, crashed.activities-calm.activities, changed, flipped, crashed.elapsed.Round(time.Millisecond))
		b.Logf("(resolved counts the scripted world's correct variants: %d of %d undisturbed)", calm.resolved, simIssues)
	}
}
