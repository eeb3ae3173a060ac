// End to end: autopilot serve over a store from a recorded offline run, driven by Playwright in
// Debian's Chromium: load, filter, click through to a repaired attempt, check the diff and the
// diagnostics render, take a screenshot (OUT/serve-attempt.png).
//   node serve_e2e.mjs AUTOPILOT_BIN SOURCE_DIR OUT_DIR
import {spawn, spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import {check, fruitProject, replayRun} from '../e2e/fruit_store.mjs';

const [bin, src, out] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const nodeModules = process.env.AUTOPILOT_NODE_MODULES || path.join(src, 'tools/node/node_modules');
const {chromium} = require(path.join(nodeModules, 'playwright-core'));

fs.rmSync(out, {recursive: true, force: true});
fs.mkdirSync(out, {recursive: true});
const store = path.join(out, 'runs.db');
const {doc} = replayRun(bin, src, fruitProject(src, out), out);
check(doc.passed === true, 'the recorded run passes and fills the store');

// Binding beyond loopback needs --allow-remote.
const refused = spawnSync(bin, ['serve', '--store', store, '--host', '0.0.0.0', '--port', '0'], {encoding: 'utf8', timeout: 20000});
check(refused.status === 2 && refused.stderr.includes('--allow-remote'), 'serve refuses a non-loopback host without --allow-remote');

const server = spawn(bin, ['serve', '--store', store, '--port', '0'], {stdio: ['ignore', 'pipe', 'pipe']});
let browser;
try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('serve printed no address: ' + text)), 20000);
    server.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error('serve exited ' + code + ': ' + text)));
  });
  check(true, 'serve listens at ' + url);

  browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking']});
  const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(url)) external.push(r.url()); });

  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('#cells tr.link');
  const loadMs = Date.now() - t0;
  check((await page.locator('#cells tr.link').count()) === 1, 'the summary lists the one cell');
  check((await page.locator('#sweeps').innerText()).includes('100.0 %'), 'the sweep row shows its success rate');
  await page.waitForFunction(() => /\b1 run · idle/.test(document.getElementById('live').textContent));
  check(true, 'the live progress line is polled');

  // Filter by a taxonomy id the run hit; then by one it did not.
  const codes = await page.locator('select[data-filter=code] option').allInnerTexts();
  check(codes.includes('semantic.wrong_input'), 'the taxonomy filter offers the stored ids');
  await page.selectOption('select[data-filter=code]', 'semantic.wrong_input');
  await page.waitForFunction(() => location.hash.includes('code=semantic.wrong_input'));
  await page.waitForSelector('#cells tr.link');
  check((await page.locator('#cells tr.link').count()) === 1, 'filtering by semantic.wrong_input keeps the cell');
  // A whole run's stage list ("dp,train,mc,sg") matches each of its stages.
  // Only the hash changes, so the old rows are still on the page until the viewer re-renders:
  // wait for the re-render (the select shows mc), not for rows that may be the previous filter's.
  await page.goto(url + '#/?stage=mc');
  const stageShown = await page.waitForFunction(() => {
    const s = document.querySelector('select[data-filter=stage]');
    return s && s.value === 'mc' && document.querySelectorAll('#cells tr.link').length > 0;
  }, null, {timeout: 10000}).then(() => true, () => false);
  check(stageShown, 'the stage filter offers mc and keeps it selected');
  check((await page.locator('#cells tr.link').count()) === 1, 'the run whose stages include mc is listed');
  await page.goto(url + '#/?model=nobody');
  await page.waitForSelector('text=no runs match the filters');
  check(true, 'a filter nothing matches says so');

  // Summary → cell → run → the second SG attempt (a repair: diff and diagnostics).
  const t1 = Date.now();
  await page.goto(url);
  await page.click('#cells tr.link a');
  await page.waitForSelector('#runs tr.link');
  const cellMs = Date.now() - t1;
  check((await page.locator('#failures').innerText()).includes('semantic.wrong_input'), 'the cell page lists failed attempts by taxonomy id');
  await page.click('#runs tr.link a');
  await page.waitForSelector('#attempt-list a');
  const attempts = await page.locator('#attempt-list a').allInnerTexts();
  check(attempts.length === 8, `the run shows its 8 attempts in order (${attempts.join(' | ')})`);
  check(attempts[0].startsWith('dp #1') && attempts[7].startsWith('sg #3'), 'attempts run dp first, sg last');
  await page.locator('#attempt-list a', {hasText: 'sg #2'}).click();
  await page.waitForSelector('#attempt h2 >> text=sg attempt 2');
  const diffAdds = await page.locator('pre.diff span.add').count();
  const diffDels = await page.locator('pre.diff span.del').count();
  check(diffAdds > 0 && diffDels > 0, `the diff against attempt 1 renders (${diffAdds} added, ${diffDels} removed lines)`);
  check((await page.locator('#attempt h2', {hasText: 'Diff against attempt 1'}).count()) === 1, 'the diff names the attempt it compares with');
  const diag = await page.locator('#attempt table.diagnostics').innerText();
  check(/[a-z]+\.[a-z_]+/.test(diag), 'the diagnostics table shows taxonomy ids: ' + diag.split('\n')[1]);
  const llm = await page.locator('#llm').innerText();
  check(/\d+ in, \d+ out/.test(llm) && llm.includes('ms'), 'the LLM call shows tokens and latency');
  await page.screenshot({path: path.join(out, 'serve-attempt.png'), fullPage: true});
  check(fs.statSync(path.join(out, 'serve-attempt.png')).size > 10000, 'screenshot saved to ' + path.join(out, 'serve-attempt.png'));

  // The first SG attempt failed to build: its diagnostic points at a line of its code, shown.
  await page.locator('#attempt-list a', {hasText: 'sg #1'}).click();
  await page.waitForSelector('#attempt h2 >> text=sg attempt 1');
  check((await page.locator('#attempt table.diagnostics').innerText()).includes('build.api_mismatch'), 'the build failure shows its taxonomy id');
  const source = await page.locator('#attempt table.diagnostics code.source').allInnerTexts();
  check(source.length > 0 && source[0].trim().length > 0, 'the diagnostic shows the code line it points at: ' + source[0]);
  check((await page.locator('#attempt', {hasText: 'first attempt of the stage: no diff'}).count()) === 1, 'the first attempt of a stage has no diff');

  // The passing SG attempt ran on the virtual board: serial output and per-sample verdicts.
  await page.locator('#attempt-list a', {hasText: 'sg #3'}).click();
  await page.waitForSelector('#attempt h2 >> text=sg attempt 3');
  check((await page.locator('pre.serial').innerText()).length > 0, 'the board serial output renders');
  check((await page.locator('table.samples tr').count()) > 1, 'the per-sample verdicts render');
  await page.screenshot({path: path.join(out, 'serve-board.png'), fullPage: true});

  check(external.length === 0, 'no request left the viewer (no CDN): ' + external.join(', '));
  check(problems.length === 0, 'no page errors or CSP violations: ' + problems.join('; '));
  console.log(`timing: first load ${loadMs} ms, summary → cell ${cellMs} ms (browser wall time)`);
  console.log('1 passed, 0 failed');
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
}
