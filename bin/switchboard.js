#!/usr/bin/env node
// Plain JavaScript so an older Node can still print a helpful message instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `switchboard: Node.js ${process.version} is too old; Switchboard needs Node.js 22.12 or newer.\n` +
      'Inside the repository, run it through npm (npm start, npm run switchboard -- ARGS), which uses the Node 24 installed with it.\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts').then(({ main }) => main(process.argv.slice(2))).then((code) => {
  if (code !== 0) process.exitCode = code;
});
