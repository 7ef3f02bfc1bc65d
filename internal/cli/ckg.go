package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/tools/ckg"
)

const ckgUsage = `<index|search|def|refs> --repo DIR [flags]

  index   build or refresh the index; print files, symbols and time taken
  search  find definitions by --name, with --kind and --match
  def     the definition of --name, or of the name --at file:line:col
  refs    the uses of --name, or of the name --at file:line:col`

func runCKG(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(stderr, "Usage: conclave ckg %s\n", ckgUsage)
			return flag.ErrHelp
		}
		return usagef("missing subcommand; usage: conclave ckg %s", ckgUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("ckg "+sub, "--repo DIR [flags]", stderr)
	repo := fs.String("repo", ".", "the repository `dir`ectory to index")
	asJSON := fs.Bool("json", false, "print JSON")
	cacheDir := fs.String("cache-dir", "", "where to keep the index (default: the user cache directory)")
	noCache := fs.Bool("no-cache", false, "index in memory only")
	var name, kind, match, at *string
	var limit *int
	switch sub {
	case "index":
	case "search":
		name = fs.String("name", "", "the `name` to look for (required)")
		kind = fs.String("kind", "any", "function, class, method, any, or a precise kind (struct, interface, enum, …)")
		match = fs.String("match", "exact", "exact, ignorecase, prefix, substring or fuzzy")
		limit = fs.Int("limit", 0, "print at most `n` results (0: all)")
	case "def", "refs":
		name = fs.String("name", "", "the `name` to look up, optionally Parent.Name")
		at = fs.String("at", "", "the name at `file:line:col` (1-based; columns count bytes) instead of --name")
	default:
		return usagef("unknown subcommand %q; usage: conclave ckg %s", sub, ckgUsage)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if name != nil && *name == "" && (at == nil || *at == "") {
		if at != nil {
			return usagef("give --name NAME or --at file:line:col")
		}
		return usagef("--name is required")
	}
	if at != nil && *at != "" && *name != "" {
		return usagef("give --name or --at, not both")
	}
	var kinds []ckg.Kind
	if kind != nil {
		var err error
		if kinds, err = parseKinds(*kind); err != nil {
			return usagef("%v", err)
		}
	}
	var m ckg.Match
	if match != nil {
		var err error
		if m, err = ckg.ParseMatch(*match); err != nil {
			return usagef("--match: %v", strings.TrimPrefix(err.Error(), "ckg: "))
		}
	}
	var atPath string
	var atLine, atCol int
	if at != nil && *at != "" {
		var err error
		if atPath, atLine, atCol, err = parseAt(*at); err != nil {
			return usagef("%v", err)
		}
	}

	err := runCKGQuery(ctx, stdout, ckgQuery{sub: sub, repo: *repo, asJSON: *asJSON, opts: ckg.Options{CacheDir: *cacheDir, NoCache: *noCache},
		name: deref(name), kinds: kinds, match: m, limit: derefInt(limit), atPath: atPath, atLine: atLine, atCol: atCol})
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "ckg: ")) // Main names the command already
	}
	return nil
}

type ckgQuery struct {
	sub, repo, name string
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

func runCKGQuery(ctx context.Context, stdout io.Writer, q ckgQuery) error {
	start := time.Now()
	ix, err := ckg.Open(ctx, q.repo, &q.opts)
	if err != nil {
		return err
	}
	name, asJSON, atPath, atLine, atCol := q.name, q.asJSON, q.atPath, q.atLine, q.atCol
	switch q.sub {
	case "index":
		st := ix.Stats()
		st.Seconds = time.Since(start).Seconds() // loading the cache included
		if asJSON {
			return writeJSON(stdout, st)
		}
		fmt.Fprintf(stdout, "%d files, %d symbols, %d references in %.3fs (parsed %d, reused %d, removed %d, skipped %d)\n",
			st.Files, st.Symbols, st.Refs, st.Seconds, st.Parsed, st.Reused, st.Removed, st.Skipped)
		return nil
	case "search":
		syms := ix.Search(ckg.Query{Name: name, Match: q.match, Kinds: q.kinds, Limit: q.limit})
		return printSymbols(stdout, syms, asJSON)
	case "def":
		var syms []ckg.Symbol
		if atPath != "" {
			if syms, _, err = ix.DefinitionAt(atPath, atLine, atCol); err != nil {
				return err
			}
		} else {
			syms = ix.Definitions(name)
		}
		return printSymbols(stdout, syms, asJSON)
	default: // refs
		var refs []ckg.Reference
		if atPath != "" {
			if refs, _, err = ix.ReferencesAt(atPath, atLine, atCol); err != nil {
				return err
			}
		} else {
			refs = ix.References(name)
		}
		if refs == nil {
			refs = []ckg.Reference{}
		}
		if asJSON {
			return writeJSON(stdout, refs)
		}
		for _, r := range refs {
			fmt.Fprintf(stdout, "%s:%d:%d %s", r.Path, r.Line, r.Column, r.Name)
			if r.Call {
				fmt.Fprint(stdout, " (call)")
			}
			if r.Scope != "" {
				fmt.Fprintf(stdout, " in %s", r.Scope)
			}
			fmt.Fprintln(stdout)
		}
		return nil
	}
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
