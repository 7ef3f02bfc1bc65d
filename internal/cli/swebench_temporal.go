package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/temporal"
)

// remoteBench submits benchmark instances to a Temporal cluster.
type remoteBench struct {
	addr, namespace, queue, store string
	cloneURL, model, out          string
	workers                       int
	stderr                        io.Writer
}

// run submits one workflow per instance, workers at a time, appends each
// prediction as its workflow ends, and returns how many failed.
func (r *remoteBench) run(ctx context.Context, todo []benchInstance) (int, error) {
	c, err := dial(r.addr, r.namespace, r.store, r.stderr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	byID := map[string]benchInstance{}
	tasks := make([]conclave.Task, len(todo))
	for i, in := range todo {
		byID[in.ID] = in
		tasks[i] = conclave.Task{ID: in.ID, Repo: strings.ReplaceAll(r.cloneURL, "{repo}", in.Repo), Base: in.Base, Issue: in.Problem}
	}
	n := 0
	b := &temporal.Batch{Client: c, TaskQueue: r.queue, Prefix: "conclave-", Parallel: r.workers,
		Done: func(task conclave.Task, out *temporal.Outcome, err error) {
			n++
			if err == nil {
				err = r.write(byID[task.ID], out.Patch)
			}
			if err != nil {
				fmt.Fprintf(r.stderr, "[%d/%d] %s: failed: %v\n", n, len(todo), task.ID, firstLine(err.Error()))
				return
			}
			fmt.Fprintf(r.stderr, "[%d/%d] %s: %s, decided by %s, $%.4f\n", n, len(todo), task.ID, out.Winner, out.DecidedBy, out.Cost)
		}}
	return b.Start(ctx, tasks)
}

// write appends in's prediction to the predictions file.
func (r *remoteBench) write(in benchInstance, patch string) error {
	pred := prediction{InstanceID: in.ID, Model: r.model, Patch: patch}
	if in.Org != "" {
		pred.Org, pred.Repo, pred.Number, pred.FixPatch = in.Org, in.Name, in.Number, patch
	}
	line, err := json.Marshal(pred)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(r.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
