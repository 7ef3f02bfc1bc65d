package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/tools/ckg"
)

const ckgUsage = `<index|search|def|refs> --repo DIR [flags]

  index   build or refresh the index; print files, symbols and time taken
  search  find definitions by --name, with --kind and --match
  def     the definition of --name, or of the name --at file:line:col
  refs    the uses of --name, or of the name --at file:line:col

Exit status: 0 when something was found (or indexed); 1 when nothing was
found, with a line on stderr saying so (and [] on stdout with --json), or
on failure; 2 on a usage error.`

// ckgSubcommands are the subcommands, in the order help lists them.
var ckgSubcommands = []string{"index", "search", "def", "refs"}

// ckgFlags are the flags of a ckg subcommand; those it does not take are
// nil.
type ckgFlags struct {
	repo, cacheDir        *string
	asJSON, noCache       *bool
	name, kind, match, at *string
	limit                 *int
}

// newCKGFlags returns the flag set of subcommand sub, or nil if there is
// no such subcommand.
func newCKGFlags(sub string, stderr io.Writer) (*flag.FlagSet, *ckgFlags) {
	if !slices.Contains(ckgSubcommands, sub) {
		return nil, nil
	}
	fs := newFlags("ckg "+sub, "--repo DIR [flags]", stderr)
	f := &ckgFlags{
		repo:     fs.String("repo", ".", "the repository `dir`ectory to index"),
		asJSON:   fs.Bool("json", false, "print JSON"),
		cacheDir: fs.String("cache-dir", "", "where to keep the index (default: the user cache directory)"),
		noCache:  fs.Bool("no-cache", false, "index in memory only"),
	}
	switch sub {
	case "search":
		f.name = fs.String("name", "", "the `name` to look for (required)")
		f.kind = fs.String("kind", "any", "function, class, method, any, or a precise kind (struct, interface, enum, …)")
		f.match = fs.String("match", "exact", "exact, ignorecase, prefix, substring or fuzzy")
	case "def", "refs":
		f.name = fs.String("name", "", "the `name` to look up, optionally Parent.Name")
		f.at = fs.String("at", "", "the name at `file:line:col` (1-based; columns count bytes) instead of --name")
	}
	if sub == "search" || sub == "refs" {
		f.limit = fs.Int("limit", 0, "print at most `n` results (0: all)")
	}
	return fs, f
}

// ckgHelp prints the usage and every subcommand's flags.
func ckgHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: conclave ckg %s\n", ckgUsage)
	for _, sub := range ckgSubcommands {
		fs, _ := newCKGFlags(sub, w)
		fmt.Fprintf(w, "\nFlags of %s:\n", sub)
		fs.PrintDefaults()
	}
}

func runCKG(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			ckgHelp(stderr)
			return flag.ErrHelp
		}
		return usagef("missing subcommand; usage: conclave ckg %s", ckgUsage)
	}
	sub, args := args[0], args[1:]
	fs, f := newCKGFlags(sub, stderr)
	if fs == nil {
		return usagef("unknown subcommand %q; usage: conclave ckg %s", sub, ckgUsage)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	name, at := deref(f.name), deref(f.at)
	if f.name != nil && name == "" && at == "" {
		if f.at != nil {
			return usagef("give --name NAME or --at file:line:col")
		}
		return usagef("--name is required")
	}
	if at != "" && name != "" {
		return usagef("give --name or --at, not both")
	}
	if f.limit != nil && *f.limit < 0 {
		return usagef("--limit is %d; give a positive number, or 0 for all", *f.limit)
	}
	var kinds []ckg.Kind
	if f.kind != nil {
		var err error
		if kinds, err = parseKinds(*f.kind); err != nil {
			return usagef("%v", err)
		}
	}
	var m ckg.Match
	if f.match != nil {
		var err error
		if m, err = ckg.ParseMatch(*f.match); err != nil {
			return usagef("--match: %v", strings.TrimPrefix(err.Error(), "ckg: "))
		}
	}
	var atPath string
	var atLine, atCol int
	if at != "" {
		var err error
		if atPath, atLine, atCol, err = parseAt(at); err != nil {
			return usagef("%v", err)
		}
	}

	err := runCKGQuery(ctx, stdout, ckgQuery{sub: sub, repo: *f.repo, asJSON: *f.asJSON, opts: ckg.Options{CacheDir: *f.cacheDir, NoCache: *f.noCache},
		name: name, at: at, kinds: kinds, match: m, limit: derefInt(f.limit), atPath: atPath, atLine: atLine, atCol: atCol})
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "ckg: ")) // Main names the command already
	}
	return nil
}

type ckgQuery struct {
	sub, repo, name string
	at              string // as given, for messages
	asJSON          bool
	opts            ckg.Options
	kinds           []ckg.Kind
	match           ckg.Match
	limit           int
	atPath          string
	atLine, atCol   int
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// errNothingFound starts the error of a query that found nothing, which
// exits with status 1 like any failure.
const errNothingFound = "nothing found: "

func runCKGQuery(ctx context.Context, stdout io.Writer, q ckgQuery) error {
	start := time.Now()
	ix, err := ckg.Open(ctx, q.repo, &q.opts)
	if err != nil {
		return err
	}
	switch q.sub {
	case "index":
		st := ix.Stats()
		st.Seconds = time.Since(start).Seconds() // loading the cache included
		if q.asJSON {
			return writeJSON(stdout, st)
		}
		fmt.Fprintf(stdout, "%d files, %d symbols, %d references in %.3fs (parsed %d, reused %d, removed %d, skipped %d)\n",
			st.Files, st.Symbols, st.Refs, st.Seconds, st.Parsed, st.Reused, st.Removed, st.Skipped)
		return nil
	case "search":
		syms := ix.Search(ckg.Query{Name: q.name, Match: q.match, Kinds: q.kinds, Limit: q.limit})
		if err := printSymbols(stdout, syms, q.asJSON); err != nil {
			return err
		}
		if len(syms) == 0 {
			return fmt.Errorf("%sno definition matches %q (--match %s); try --match ignorecase, prefix or fuzzy", errNothingFound, q.name, q.match)
		}
		return nil
	case "def":
		var syms []ckg.Symbol
		if q.atPath != "" {
			var ref ckg.Reference
			if syms, ref, err = ix.DefinitionAt(q.atPath, q.atLine, q.atCol); err != nil {
				return nothingFound(err, func() error { return printSymbols(stdout, nil, q.asJSON) })
			}
			if len(syms) == 0 {
				err = fmt.Errorf("%s%s is %q, which has no definition in the index (a library's, a builtin, or a local variable)", errNothingFound, q.at, ref.Name)
			}
		} else if syms = ix.Definitions(q.name); len(syms) == 0 {
			err = fmt.Errorf("%sno definition of %q; search for it with conclave ckg search --match fuzzy", errNothingFound, q.name)
		}
		if perr := printSymbols(stdout, syms, q.asJSON); perr != nil {
			return perr
		}
		return err
	default: // refs
		var refs []ckg.Reference
		what := fmt.Sprintf("%q", q.name)
		if q.atPath != "" {
			var ref ckg.Reference
			if refs, ref, err = ix.ReferencesAt(q.atPath, q.atLine, q.atCol); err != nil {
				return nothingFound(err, func() error { return printRefs(stdout, nil, q.asJSON) })
			}
			what = fmt.Sprintf("%q (at %s)", ref.Name, q.at)
		} else {
			refs = ix.References(q.name)
		}
		if q.limit > 0 && len(refs) > q.limit {
			refs = refs[:q.limit]
		}
		if err := printRefs(stdout, refs, q.asJSON); err != nil {
			return err
		}
		if len(refs) == 0 {
			return fmt.Errorf("%sno use of %s in the index", errNothingFound, what)
		}
		return nil
	}
}

// nothingFound handles an index error that means nothing was found (no
// such file, no identifier at the position) by the rule of the other
// queries: printEmpty prints the empty result, and the error says
// "nothing found". Other errors are returned as they are.
func nothingFound(err error, printEmpty func() error) error {
	if !errors.Is(err, ckg.ErrNotFound) {
		return err
	}
	if perr := printEmpty(); perr != nil {
		return perr
	}
	msg := strings.TrimPrefix(err.Error(), "ckg: ")
	msg = strings.Replace(msg, ": "+ckg.ErrNotFound.Error()+":", ":", 1) // said once, in front
	return fmt.Errorf("%s%s", errNothingFound, msg)
}

func printRefs(w io.Writer, refs []ckg.Reference, asJSON bool) error {
	if asJSON {
		if refs == nil {
			refs = []ckg.Reference{}
		}
		return writeJSON(w, refs)
	}
	for _, r := range refs {
		fmt.Fprintf(w, "%s:%d:%d %s", r.Path, r.Line, r.Column, r.Name)
		if r.Call {
			fmt.Fprint(w, " (call)")
		}
		if r.Scope != "" {
			fmt.Fprintf(w, " in %s", r.Scope)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// parseKinds maps --kind to the kinds it selects.
func parseKinds(s string) ([]ckg.Kind, error) {
	switch s {
	case "any", "":
		return nil, nil
	case "function":
		return []ckg.Kind{ckg.Function, ckg.Method}, nil
	case "class":
		return []ckg.Kind{ckg.Class, ckg.Struct, ckg.Interface, ckg.Trait, ckg.Enum, ckg.Union, ckg.Type}, nil
	}
	k, err := ckg.ParseKind(s)
	if err != nil {
		return nil, fmt.Errorf("--kind: unknown kind %q; use function, class, method, any, or one of struct, interface, trait, enum, union, type, namespace", s)
	}
	return []ckg.Kind{k}, nil
}

// parseAt splits file:line:col.
func parseAt(s string) (string, int, int, error) {
	bad := fmt.Errorf("--at %q: want file:line:col, e.g. pkg/a.go:12:5", s)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, 0, bad
	}
	j := strings.LastIndexByte(s[:i], ':')
	if j <= 0 {
		return "", 0, 0, bad
	}
	line, err1 := strconv.Atoi(s[j+1 : i])
	col, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil || line < 1 || col < 1 {
		return "", 0, 0, bad
	}
	return s[:j], line, col, nil
}

func printSymbols(w io.Writer, syms []ckg.Symbol, asJSON bool) error {
	if asJSON {
		if syms == nil {
			syms = []ckg.Symbol{}
		}
		return writeJSON(w, syms)
	}
	for _, s := range syms {
		fmt.Fprintf(w, "%s:%d-%d %s %s", s.Path, s.StartLine, s.EndLine, s.Kind, s.QualifiedName())
		if s.Signature != "" {
			fmt.Fprintf(w, "  %s", s.Signature)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
