// `npm start`: runs the built server in this process (`prestart` has built it when needed).
//
// npm runs a script through a shell: `sh -c` on Unix, cmd.exe on Windows. Debian's sh (dash)
// neither replaces itself with a lone command nor passes SIGTERM on, so stopping npm (a service
// manager's SIGTERM to it) ends the shell and would leave the server running without it.
// `exec node ...` avoided that on Unix but is not a cmd.exe command. Instead, a server whose
// parent has gone away stops as it does on SIGTERM: finishing its requests, then its database.
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
}, 250);
watch.unref();

require('../dist/src/main.js');
