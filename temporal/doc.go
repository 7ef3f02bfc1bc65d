// Package temporal runs the conclave pipeline on Temporal, the
// durable-execution engine, so that a batch of hundreds of issues spreads
// over a fleet of workers and survives their crashes and deploys. The
// conclave packages never import the Temporal SDK; this one maps their
// stages onto it.
//
// # What runs where
//
// Each task (issue) is a workflow, [Worker.Run]. Everything that touches a
// model, a process or the disk is an activity, run by whichever worker
// polls it: the Coders' runs (one activity each, all at once), the
// Tester's plan and each candidate's test run, each judge's answer and the
// verifier's verdict. The selection itself — the selector's stages, their
// clustering, votes and tie-breaks — runs inside the workflow, from the
// Pipeline's seed, with its concurrent judge calls made from workflow
// coroutines (selector.Pool.Calls): so it is deterministic and replays the
// same. docs/scaling.md has the whole map and what each failure costs.
//
// A worker runs the workflow and the activities on one conclave.Pipeline:
//
//	w := &temporal.Worker{
//		Pipeline: p, // from config.Build
//		Store:    temporal.DirStore("/shared/conclave"),
//		Clones:   &temporal.Clones{Dir: "/var/cache/conclave/clones"},
//		Dir:      "/var/cache/conclave/runs",
//	}
//	c, _ := client.Dial(client.Options{HostPort: addr, DataConverter: temporal.NewDataConverter(&temporal.Codec{Store: w.Store})})
//	wk := worker.New(c, temporal.TaskQueue, worker.Options{DeadlockDetectionTimeout: temporal.DeadlockTimeout})
//	w.Register(wk)
//	wk.Run(worker.InterruptCh())
//
// and a client submits tasks, one workflow each, with a [Batch]; `conclave
// worker` and `conclave swebench --temporal` are these two.
//
// # Where the data lives
//
// Each activity opens the task's conclave.Job in a run directory of its
// worker, mirrored to the [Store] shared by all: records other workers
// made are fetched first, what the activity made is stored after. The
// Job's records make every stage idempotent, so an activity retried on
// another worker finds what was done. Workflow histories keep small
// summaries; larger payloads (patches, questions with their candidates,
// Decisions) go to the Store through the [Codec], content-addressed, and
// the history keeps a reference.
//
// # Retries
//
// Activities heartbeat with the Coder's steps and tokens, so a dead
// worker's activity is retried elsewhere after [Worker.HeartbeatTimeout].
// Errors follow llm.Retry's split ([Retryable]): a provider that is down
// is retried, a 400, a budget spent or a judge that answered nothing is
// not, and is recorded as the local pipeline would.
package temporal
