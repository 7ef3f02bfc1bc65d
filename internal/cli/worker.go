package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/conclave-dev/conclave/config"
	"github.com/conclave-dev/conclave/temporal"
)

const workerUsage = `--temporal ADDRESS --store DIR [--config FILE] [--namespace NS] [--queue NAME] [--dir DIR] [--clones DIR]

Runs a worker of a Temporal cluster: it polls the task queue for the
workflows of tasks (one per issue, submitted by 'conclave swebench
--temporal') and for their activities (a Coder's run, the Tester's plan,
a test run, a judge's answer), and runs them on the pipeline that
--config describes, until interrupted. Start as many as the machines
allow; each runs what the queue gives it, and a task whose worker dies
goes on elsewhere.

Every worker and the client must share --store, a directory (a shared
file system) holding the run directories and the large payloads. A
worker keeps its clones under --clones and its copies of the run
directories under --dir. Every worker of a queue must run the same
configuration. Model recordings' "{task}" is "worker".

docs/scaling.md says what runs where and what survives what.`

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", workerUsage, stderr)
	addr := fs.String("temporal", "", "the Temporal frontend's `address` (host:port)")
	store := fs.String("store", "", "the blob store `dir`ectory shared by every worker and the client")
	cfgFile := fs.String("config", "", "the configuration `file` (default ./conclave.yaml)")
	namespace := fs.String("namespace", "default", "the Temporal `namespace`")
	queue := fs.String("queue", temporal.TaskQueue, "the task `queue`")
	dir := fs.String("dir", "", "where the worker keeps run directories (default: conclave-worker in the user's cache directory)")
	clones := fs.String("clones", "", "where the worker keeps its clones (default: clones under --dir)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "" || *store == "" {
		return usagef("give --temporal ADDRESS and --store DIR")
	}
	if *dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no --dir and no cache directory: %w", err)
		}
		*dir = filepath.Join(cache, "conclave-worker")
	}
	if *clones == "" {
		*clones = filepath.Join(*dir, "clones")
	}
	cfg, err := loadConfig(*cfgFile)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	p, closeAll, err := cfg.Build("worker", &config.Options{Warn: func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(stderr, "warning:", s)
	}})
	if err != nil {
		return err
	}
	defer closeAll()
	c, err := dial(*addr, *namespace, *store, stderr)
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, *queue, worker.Options{DeadlockDetectionTimeout: temporal.DeadlockTimeout})
	tw := &temporal.Worker{Pipeline: p, Store: temporal.DirStore(*store), Clones: &temporal.Clones{Dir: *clones}, Dir: *dir}
	if err := tw.Register(w); err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	fmt.Fprintf(stderr, "conclave worker: polling %q at %s; interrupt to stop\n", *queue, *addr)
	<-ctx.Done()
	w.Stop()
	return nil
}

// dial connects to the cluster with the blob store's data converter; the
// SDK's own log goes to stderr, warnings and errors only.
func dial(addr, namespace, store string, stderr io.Writer) (client.Client, error) {
	if store == "" {
		return nil, usagef("give --store DIR: the blob store every worker and the client share")
	}
	codec := &temporal.Codec{Store: temporal.DirStore(store)}
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: namespace, DataConverter: temporal.NewDataConverter(codec), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s: %w (is the server up? scripts/temporal-dev.sh starts a dev server)", addr, err)
	}
	return c, nil
}
