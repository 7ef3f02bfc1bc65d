// Package ckg is a code knowledge graph: an index of the definitions in a
// source tree and of the names its code uses, built with tree-sitter, kept
// on disk, and refreshed file by file as the tree changes. [Index] is the
// index, usable on its own; [Tool] serves it to agents as the "ckg" tool.
//
// # Languages and definitions
//
// Python, Go, Java, JavaScript, TypeScript (and TSX), Rust, C and C++, by
// file extension (see internal/lang). Each definition is a [Symbol] with
// its file, line span, name position, signature and doc comment:
//
//   - functions, including JavaScript and TypeScript arrow functions and
//     function expressions bound to a name (const f = () => …, obj.f =
//     function …, class fields), Python lambdas bound to a name, and
//     TypeScript overload signatures (one symbol each);
//   - methods: functions whose parent is a class-like type, including Go
//     methods (parent: the receiver's base type, pointer or generic), Rust
//     functions in impl blocks and traits, C++ out-of-line definitions
//     (A::f) and in-class declarations, and Go interface methods;
//   - classes, structs, interfaces, traits, enums, unions, type aliases
//     (Go defined types that are neither struct nor interface are Type),
//     and namespaces (C++, TypeScript) and modules (Rust) as Namespace.
//
// Nested definitions name their enclosing definition as Parent. A doc
// comment is the run of comments ending on the line above a definition,
// with only decorators, attributes or a template header in between, or a
// Python docstring. Not indexed: variables, constants and fields;
// C prototypes; macros.
//
// # References and how approximate they are
//
// Every identifier a file uses is recorded with its position, whether it
// is called (directly followed by an argument list; calls with explicit
// type arguments such as F[T]() are not seen as calls), what it is
// selected from (x in x.f, a::f or p->f, "." when that is an expression)
// and the definition it sits in. Resolution is by name, narrowed by
// rules, not by type checking; [Index.ReferencesTo] lists them. What
// follows from that:
//
//   - a method call x.f() is matched to every method f the rules allow,
//     whatever the type of x;
//   - local variables and parameters that share a name with a definition
//     are not told apart from it, except that definitions nested inside a
//     function are seen only in that function;
//   - Go, Python, JavaScript/TypeScript and Java uses in other files are
//     kept only where the package or the imports allow (same package
//     directory for Go and Java, an import of the module or the name);
//     re-exports and aliasing beyond one import are not followed;
//   - C, C++ and Rust uses are matched by name alone.
//
// # Freshness, cache and concurrency
//
// [Open] loads the cache file of the tree (by default under
// os.UserCacheDir()/conclave/ckg, one file per root) and calls
// [Index.Refresh], which walks the tree, re-reads only the files whose
// size or modification time changed, re-parses only those whose SHA-256
// changed, and appends the changes to the cache file. The cache format is
// versioned and every record has a CRC-32C: a corrupt, truncated or
// old-format file is rebuilt, never trusted. Hidden and vendored
// directories (node_modules, vendor, …), files over Options.MaxFileSize
// (1 MiB) and binary files are skipped.
//
// A refresh reads the tree through an [os.Root]: symbolic links are
// followed only inside the root, so a link swapped in during the walk
// (by a process racing it) never gets a file outside indexed. Directories,
// source files and the cache file are opened without blocking and checked
// with fstat after the open, so a named pipe in their place is skipped (a
// cache file that is not a regular file is rebuilt), never waited on.
//
// Parsing runs on Options.Workers goroutines, each owning its parser;
// Refresh returns when they have all stopped, and stops them early when
// its context is done. Queries take a read lock and never parse, so they
// are safe for concurrent use, with each other and with a refresh.
//
// # One parse for many checkouts
//
// Agents working on one commit each have a worktree of it. Shared builds
// the index of a content once (named by a key such as the commit's git
// tree id) and gives each worktree a fork of it (Index.Fork): the fork
// hashes its tree's files but parses only those that differ, and each
// fork's refreshes see only its own tree's edits. NewToolIndex serves a
// fork as an agent's ckg tool.
//
// # Queries
//
// [Index.Search] finds symbols by name (Exact, IgnoreCase, Prefix,
// Substring, Fuzzy) and kind; [Index.Methods] lists a class's methods;
// [Index.Outline] a file's definitions; [Index.Definitions] and
// [Index.DefinitionAt] resolve a name or the identifier at a position;
// [Index.References], [Index.ReferencesAt] and [Index.ReferencesTo]
// list uses. Results are copies, in a documented, deterministic order.
package ckg
