#!/usr/bin/env node
// The `avalanche-ts` command: `kernel install|list|remove|run`, `build-native`, and `worker` (a sweep
// worker). A plain file, so that npm links it before the library is compiled; the commands are in dist/.
const [command] = process.argv.slice(2);
if (command === 'worker') {
  require('../dist/sweep/cli.js');
} else if (command === 'kernel' || command === 'build-native') {
  require('../dist/kernel/cli.js').main(process.argv.slice(2));
} else {
  console.error(`avalanche-ts: ${command === undefined ? 'a command is needed' : `unknown command '${command}'`}\n` +
    require('../dist/kernel/cli.js').KERNEL_USAGE + '\n  avalanche-ts worker --redis redis://HOST:PORT [...]   (a sweep worker; see the README)');
  process.exit(2);
}
