// Package syntax applies candidate patches, checks that they leave files
// that parse, and decides which patches are the same change written
// differently, by their syntax trees (tree-sitter) rather than their text.
//
// A selector uses it in three steps: [Apply] a patch to the original files
// and drop it if it does not apply; [Check] the files it changes and drop
// it if it breaks their syntax; [Normalize] every surviving patch and
// [Cluster] the keys, so that patches the models agree on vote together.
// [Classify] tells source from tests, docs and throwaway scripts, for the
// filters and for the comparison's policy.
//
// # Applying
//
// [Apply] parses a unified git diff (bluekeyes/go-gitdiff) and applies it
// to an [io/fs.FS] of the base tree, strictly: each hunk must match its
// context at the line its header names (git apply would also look a few
// lines away), and a hunk whose header miscounts its lines is refused as
// corrupt, as git apply does. It handles new,
// deleted, renamed and copied files and mode changes; binary patches apply
// when they carry their data (git diff --binary) and are marked
// [Change.Binary]. Apply never writes: it returns the changed files'
// contents before and after. A patch that does not apply is an
// [*ApplyError] naming the file and the hunk, unwrapping to
// [ErrDoesNotApply] and to the cause ([io/fs.ErrNotExist] for a missing
// file, [io/fs.ErrExist] for a file created twice).
//
// # Checking
//
// [Check] parses each changed file in a known language before and after
// the patch and returns the ERROR and MISSING nodes the patch introduced,
// with their lines and columns. Errors the file already had do not count:
// an error after the patch is matched, one for one, with an error before
// it of the same kind and text on a line of the same text, so it may move
// with the code around it.
//
// # Equivalence
//
// [Normalize] returns a patch's [Normal] form and [Key]; equal keys mean
// equivalent patches. It works in one of two modes:
//
//   - [ModeFullFile], when the base files are given: the patch is applied
//     and each changed file parsed; the key is made of each file's path
//     and syntax tree after the patch (node types, field names and
//     leaves), with comments, layout and, by default, docstrings left out
//     and literals respelled. A file whose tree the patch leaves as it was
//     (a comment-only edit) does not count.
//   - [ModePatchOnly], when they are not, as with patches stored without
//     their repository: each hunk's old text (context and removed lines)
//     and new text (context and added lines) become token streams, and the
//     token-level differences between them, anchored at positions of the
//     original file, make the key. Context lines that did not change cancel
//     out, so comments, blank lines and re-wrapped lines do not count.
//
// Keys of different modes, or made with different [Options], do not
// compare. Files are taken in path order, so the order of a patch's file
// diffs does not matter, but their paths do. Files the options ignore
// (scratch scripts by default) are listed in [Normal.Ignored]; a patch left
// with no change at all has the zero Key, which [Cluster] never groups.
// [Normal.String] shows the normal form: each file and its token edits,
// for evidence and debugging.
//
// # What counts as the same
//
// In every language comments go (but Go's //go: and //line directives
// stay), white space goes except where the language gives it meaning, and
// literals are respelled as below. Only spellings the language defines to
// be the same value of the same type are merged; anything unsure keeps its
// text.
//
//   - Python: indentation is syntax. Statements end at line breaks outside
//     brackets and backslash continuations, and at ';'; blocks open and
//     close where the indentation grows and shrinks relative to the lines
//     before, so re-indenting a block by a different amount changes
//     nothing while moving a statement in or out of a block does. Strings
//     become their value: quote style (single, double, triple), raw prefixes,
//     the u prefix and escapes do not count; bytes stay apart from text;
//     \N{…} escapes keep their text; f-strings keep theirs except for the
//     case of the prefix and, when nothing inside depends on it, the quote
//     style. Docstrings (a statement that is only string literals: module,
//     class, function and attribute docstrings) go unless
//     [Options.KeepDocstrings]. Numbers: bases (0x10, 0o20, 0b10000),
//     separators (1_000) and float spellings (1.5e3, 1500.0) give the
//     value; an int never equals a float (16 vs 16.0); 1j equals 1.0j.
//   - Go: the semicolons Go inserts at line ends count as written ones,
//     and one before ) or } is dropped, so gofmt'd and one-line blocks
//     agree. Interpreted and raw strings with the same value agree, runes
//     by value; numbers as Python's (017 is octal), with an untyped int
//     never equal to a float.
//   - JavaScript, TypeScript, TSX: a line break counts unless it cannot
//     end a statement (inside ( or [; after a token that needs an operand;
//     before one that only continues an expression), after return, break,
//     continue, throw, yield and async, or before ++ and --. In full-file
//     mode the tree shows where statements end, so an omitted ';' agrees
//     with a written one. Single- and double-quoted strings agree by value;
//     templates and regular expressions keep their text. All numbers but
//     BigInts are doubles, so 16, 16.0 and 0x10 agree; 16n does not.
//   - Java: numbers by value with the type suffix kept (16L ≠ 16; 1.0 =
//     1d; 010 is octal); strings and characters keep their text.
//   - Rust: strings and byte strings by value, raw or not; numbers by value
//     with their type suffix (1u32 ≠ 1u64, 010 is ten). ">>" closing two
//     generic argument lists reads as two '>' tokens.
//   - C and C++: preprocessor directives end at their line's end; a
//     directive's argument or macro body is one token with its spaces
//     collapsed (F(x) and F (x) stay apart). Numbers by value, suffixes in
//     any order and case (10UL = 10lu), digit separators (1'000) dropped;
//     a hexadecimal or octal constant equals a decimal one only below
//     2^31, where both are int. Strings keep their text.
//   - Other files: lines with their white space collapsed, blank lines
//     dropped.
//
// # Patch-only mode
//
// A hunk is a fragment, not a program. Each text is parsed with
// tree-sitter; when both texts of a hunk parse cleanly their leaves are
// the tokens, else a plain lexer for the language gives them (it knows
// comments, strings, numbers and operators, not the grammar). On the
// 1684 Python hunks of the NoCode-bench candidates (TestBenchFragments)
// both texts of 47% of hunks parse cleanly, the two tokenisers give the
// same edits for 96.6% of hunks, and either one alone finds the same
// clusters as the two together.
//
// A hunk may start inside a string or comment opened before it, most often
// a docstring. In Python the first triple quote decides: one with a string
// prefix or after =, (, "," and the like opens a string; one after other
// text on its line closes one; one with text after it opens one; one alone
// on its line opens a string if the code line before it ends with ':' and
// closes one otherwise, and with no code line before it, closes one if
// what follows it reads as code. A "*/" before any "/*" means a comment
// was open; for other delimiters (backquotes, text blocks, raw strings) the
// reading whose parse errors cover fewer bytes wins. On seven-line windows
// of Python's standard library (TestReadingWindows) the Python rule reads
// 98.8% of them right, the error weight 88.8%. Whatever
// the reading, a string that runs to the end of a hunk is never removed as
// a docstring, as it may hold code.
//
// An edit is anchored at a line of the original file and a token position
// in that line, so equal tokens inserted at different places do not
// match. Runs that could sit at several places (inserting a method
// between two others) are moved to one canonical place.
//
// # File kinds
//
// [Classify] sorts paths into [FileSource], [FileTest], [FileScratch],
// [FileDocs] and [FileOther] by the usual conventions of Python, Go,
// JavaScript and TypeScript, Java, Rust and C/C++; new top-level scripts
// and files named like reproduce_issue.py are scratch. [Options.Ignore] decides which
// kinds (or paths) the comparison leaves out.
//
// # Patches, contexts and concurrency
//
// A patch is text: every function takes it as a string, as git diff writes
// it. One rule decides which functions take a context: those that read the
// base files or parse with tree-sitter, [Apply], [Check] and [Normalize],
// take one first and return its cause once it is done, stopping a parse in
// progress; [Classify] and [Cluster] only look at strings in memory and
// take none.
//
// Every function is safe for concurrent use and deterministic. Parsers are
// pooled per language.
//
// # Many patches to one tree
//
// A selection checks and normalises every candidate against the same
// original files. Give those calls one [Base] (NewBase wraps any fs.FS):
// it reads each file once and keeps its syntax, and a patched file is then
// read by parsing only the top-level nodes the patch touches, with an
// unchanged neighbour on each side, reusing the rest. That reading is
// taken only when it cannot differ from a parse of the whole file (neither
// has a syntax error and the neighbours come out as they were); otherwise
// the whole file is parsed. Five hundred candidates changing one 72 KB
// file are checked and clustered in about four seconds on one core
// (BenchmarkPool500 in package selector).
package syntax
