#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (npm start does it first).
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('connector: not built yet. Run `npm run build` (or `npm start`) in ' + path.dirname(__dirname));
  process.exit(1);
}
// Exit when the command is done: long-running commands (start, worker, servers) resolve only when stopped, and a
// client's stray timer (amazon-sp-api's response timeout) must not keep a finished command alive.
require(entry)
  .main(process.argv)
  .then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      console.error(err && err.message ? err.message : String(err));
      process.exit(1);
    },
  );
