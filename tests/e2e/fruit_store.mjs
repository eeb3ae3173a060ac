// Shared by the serve and otlp end-to-end tests: a copy of the fruit project writing its store
// into a test folder, and the recorded demo session replayed into it (offline, no LLM).
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Writes DIR/fruit.yaml (store DIR/runs.db); `extra` is appended to the project file. */
export function fruitProject(src, dir, extra = '') {
  let text = fs.readFileSync(path.join(src, 'examples/fruit/autopilot.yaml'), 'utf8');
  const replace = (from, to) => {
    if (!text.includes(from)) throw new Error(`examples/fruit/autopilot.yaml no longer has ${from}`);
    text = text.replace(from, to);
  };
  replace('../../.autopilot/fruit/runs.db', path.join(dir, 'runs.db'));
  replace('../../.autopilot/fruit/work', path.join(dir, 'work'));
  replace('data/fruit.csv', path.join(src, 'examples/fruit/data/fruit.csv'));
  const file = path.join(dir, 'fruit.yaml');
  fs.writeFileSync(file, text + extra);
  return file;
}

/** Runs the fruit project on the recorded session; returns the --json document. */
export function replayRun(bin, src, project, dir, env = {}) {
  const r = spawnSync(bin, ['--json', 'run', project, '--llm', 'replay:' + path.join(src, 'examples/fruit/demo-session.jsonl'),
    '--out', path.join(dir, 'out'), '--strict-replay'], {encoding: 'utf8', timeout: 240000, env: {...process.env, ...env}});
  if (r.status !== 0) throw new Error(`autopilot run exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return {doc: JSON.parse(r.stdout), stderr: r.stderr};
}

/** Runs a command without blocking this process's event loop (a receiver in this process must
 * keep answering while the tool talks to it); resolves to {status, stdout, stderr}. */
export function run(cmd, args, env = {}, timeoutMs = 240000) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} timed out:\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({status, stdout, stderr}); });
  });
}

/** replayRun without blocking the event loop. */
export async function replayRunAsync(bin, src, project, dir, env = {}) {
  const r = await run(bin, ['--json', 'run', project, '--llm', 'replay:' + path.join(src, 'examples/fruit/demo-session.jsonl'),
    '--out', path.join(dir, 'out'), '--strict-replay'], env);
  if (r.status !== 0) throw new Error(`autopilot run exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return {doc: JSON.parse(r.stdout), stderr: r.stderr};
}

export function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}
