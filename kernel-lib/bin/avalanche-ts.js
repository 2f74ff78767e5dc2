#!/usr/bin/env node
// The `avalanche-ts` command (a sweep worker: `avalanche-ts worker --redis URL`). A plain file, so that
// npm links it before the library is compiled; the command itself is in dist/sweep/cli.js.
require('../dist/sweep/cli.js');
