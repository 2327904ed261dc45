// The Node built-ins on the CLI's start path, taken with process.getBuiltinModule
// rather than imported. An ES import of a built-in evaluates every one of its
// exports, and those of node:fs (its `promises`) and node:util load streams,
// readline and worker threads that a scan never uses: 5–35 ms of every start, a
// large share of a small scan. Modules that only servers load import them as usual.
export const fs = process.getBuiltinModule('node:fs');
export const util = process.getBuiltinModule('node:util');
