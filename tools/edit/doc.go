// Package edit provides str_replace_editor, the tool an agent uses to read
// and change text files in its [tools.Workspace].
//
// # Commands
//
// [New] returns an [Editor], a [tools.Tool] whose "command" argument picks
// one of:
//
//   - view: a file, numbered like cat -n (a six-wide line number, a tab,
//     the line), whole or the lines of view_range [start, end] (1-based,
//     inclusive, end -1 meaning the end of the file; an end past the last
//     line is cut to it, any other bad range is an error naming the
//     file's line count); or a directory, whose entries not starting with
//     "." are listed two levels deep, directories marked with a "/".
//   - create: a new file with file_text, making parent directories. An
//     existing path is never overwritten.
//   - str_replace: old_str, which must occur exactly once (overlapping
//     occurrences count), replaced by new_str; an empty new_str deletes.
//   - insert: new_str as whole lines after line insert_line, 0 being the
//     top of the file.
//   - undo_edit: the last edit of the file reverted; see Undo below.
//
// Every path goes through [tools.Workspace.Resolve]: relative to the root
// or absolute inside it; a path leading outside, lexically or through a
// symbolic link, is refused with the workspace's message. Editing through
// a symbolic link inside the root changes the file it points to. Every
// read and write then goes through the workspace's [os.Root], so a link
// swapped in after the check (by a background job racing the editor)
// cannot lead outside the root: the operation fails instead. Files are
// opened without blocking and checked with fstat after the open, so a
// named pipe swapped in for a file is refused rather than waited on.
//
// Output longer than [Options.MaxOutput] characters is clipped, with a
// note saying how to see the rest: the next view_range, or grep -n. After
// each edit the result shows the changed lines numbered, with
// [Options.SnippetLines] lines of context on either side.
//
// # Bytes not edited are kept
//
// An edit rewrites only the bytes it replaces. Tabs are never expanded. A
// UTF-8 byte order mark is kept and is not part of the text old_str
// matches. A missing final newline stays missing, even when inserting
// after the last line. The file's mode is kept.
//
// Line endings follow the file. In a file whose every line break is CRLF,
// the model's "\n" stands for "\r\n": old_str written with "\n" (or with
// "\r\n") matches, and new_str is written with "\r\n". In a file with only
// LF breaks, or none, a "\r\n" in old_str or new_str is read as "\n". A
// file that mixes both is edited byte for byte, and when old_str fails to
// match only because of line endings the error says so. view drops the
// "\r" of each "\r\n" and says the lines end in CRLF.
//
// # Refusals
//
// Only UTF-8 text is edited: a file holding a NUL byte is binary and is
// refused by every command, and a file that is not valid UTF-8 is shown
// by view (invalid bytes as U+FFFD) but refused by the editing commands,
// since the model's UTF-8 text would mix encodings with it. Files larger
// than [Options.MaxFileSize] are refused by the editing commands; view
// streams any size.
//
// When old_str does not occur, the error looks for it with whitespace
// ignored (indentation, tabs against spaces, trailing blanks, line
// endings) and, if found, names the difference and quotes the file's
// lines; otherwise it says where old_str's first line occurs. When old_str
// occurs more than once, the error lists the line where each occurrence
// starts (the first 50).
//
// # Writes and undo
//
// An edit writes a temporary file in the file's directory and renames it
// over the file, so readers never see half a file and a failed write
// leaves the old one; it does not fsync. Just before the rename it checks
// that the file is still the one it read (same inode, size, modification
// time and bytes); if another program changed it meanwhile, nothing is
// written and the error says "file changed since read". create writes the
// new file in place with O_EXCL, removing it if the write fails.
//
// The Editor remembers the last [Options.UndoDepth] edits of each file as
// the bytes they replaced. undo_edit reverts the latest, and undoing a
// create deletes the file (not the directories made for it). It refuses
// when the file has changed since the edit it would revert, by a shell
// command for instance, rather than lose that change.
//
// # Concurrency
//
// An Editor is safe for concurrent use. Edits of one file are serialised
// by [tools.Workspace.Lock], across every Editor of the workspace, so two
// agents editing one file never lose each other's edits; the file is
// identified by its real path, so aliases through symbolic links share a
// lock and a history. Programs outside the workspace's tools take no lock:
// the check before the rename catches their writes but for the instant
// between the check and the rename. A context done before an edit is
// written stops it, and Run then returns the context's cause.
package edit
