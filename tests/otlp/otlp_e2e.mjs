// End to end: OTLP export to a real receiver from npm (@elastic/mockotlpserver), started here.
// 1. live: a recorded offline run of the fruit project with an otlp: section exports its trace;
// 2. `autopilot export otlp STORE --header Authorization=Basic ${…} --include-content`.
// Checks what the receiver got: one trace per run, span names, GenAI attributes, parent links,
// taxonomy ids, the Basic auth header — and that no secret is in any payload.
//   node otlp_e2e.mjs AUTOPILOT_BIN SOURCE_DIR OUT_DIR
import {createRequire} from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import {check, fruitProject, replayRunAsync, run} from '../e2e/fruit_store.mjs';

const [bin, src, out] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const nodeModules = process.env.AUTOPILOT_NODE_MODULES || path.join(src, 'tools/node/node_modules');
const {MockOtlpServer} = require(path.join(nodeModules, '@elastic/mockotlpserver'));

fs.rmSync(out, {recursive: true, force: true});
fs.mkdirSync(out, {recursive: true});

// Secrets: an API key in the tools' environment and Langfuse-style keys sent as Basic auth.
const apiKey = 'sk-e2eSECRETkey0123456789abcdefABCDEF';
const basic = Buffer.from('pk-lf-e2e-public:sk-lf-e2e-SECRET-9876543210').toString('base64');
const env = {OPENAI_API_KEY: apiKey, OTLP_E2E_BASIC: basic};

const traces = [];
const requests = [];
const server = new MockOtlpServer({services: ['http'], httpHostname: '127.0.0.1', httpPort: 0, logLevel: 'warn',
  onTrace: (t) => traces.push(JSON.parse(JSON.stringify(t))), onRequest: (r) => requests.push(r)});
await server.start();
const endpoint = String(server.httpUrl).replace(/\/$/, '');
console.log('mockotlpserver at ' + endpoint);

function spansOf(batch) {
  const out = [];
  for (const rs of batch.resourceSpans || []) for (const ss of rs.scopeSpans || []) for (const s of ss.spans || []) out.push(s);
  return out;
}
function attr(span, key) {
  const list = span.attributes || [];
  const a = Array.isArray(list) ? list.find((x) => x.key === key) : null;
  if (!a) return undefined;
  const v = a.value || {};
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('boolValue' in v) return v.boolValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values || []).map((x) => x.stringValue);
  return v;
}
const hex = (id) => (typeof id === 'string' ? id : Buffer.from(id.data || id).toString('hex'));
async function settle() { await new Promise((r) => setTimeout(r, 300)); }

function checkTrace(spans, label) {
  const ids = new Set(spans.map((s) => hex(s.spanId)));
  const traceIds = new Set(spans.map((s) => hex(s.traceId)));
  check(traceIds.size === 1, `${label}: one trace for the one run`);
  const roots = spans.filter((s) => !s.parentSpanId || hex(s.parentSpanId) === '');
  check(roots.length === 1 && roots[0].name.startsWith('run '), `${label}: one root span (${roots.map((s) => s.name)})`);
  check(spans.every((s) => s === roots[0] || ids.has(hex(s.parentSpanId))), `${label}: every other span's parent was sent`);
  const names = spans.map((s) => s.name);
  for (const st of ['dp', 'train', 'mc', 'sg']) check(names.includes('stage ' + st), `${label}: stage span ${st}`);
  const chats = spans.filter((s) => s.name.startsWith('chat '));
  check(chats.length === 7, `${label}: 7 LLM call spans (the session's 7 calls), got ${chats.length}`);
  for (const c of chats) {
    if (!(attr(c, 'gen_ai.operation.name') === 'chat' && attr(c, 'gen_ai.provider.name') && attr(c, 'gen_ai.request.model') &&
          attr(c, 'gen_ai.usage.input_tokens') > 0 && attr(c, 'gen_ai.usage.output_tokens') > 0 && c.kind === 3)) {
      throw new Error(`${label}: LLM span without the GenAI attributes: ${JSON.stringify(c)}`);
    }
    const parent = spans.find((s) => hex(s.spanId) === hex(c.parentSpanId));
    if (!parent.name.startsWith('attempt ')) throw new Error(`${label}: an LLM span's parent is ${parent.name}`);
  }
  check(true, `${label}: every LLM span has gen_ai.operation.name, provider, model, usage, kind CLIENT and an attempt parent`);
  check(chats.some((c) => Array.isArray(attr(c, 'gen_ai.response.finish_reasons'))), `${label}: finish reasons as a string array`);
  const layers = spans.filter((s) => s.name.startsWith('validate '));
  check(layers.some((s) => attr(s, 'autopilot.taxonomy.id') === 'semantic.wrong_input' && attr(s, 'autopilot.validation.passed') === false),
    `${label}: the failed semantic layer carries its taxonomy id`);
  check(spans.filter((s) => s.name.startsWith('attempt ')).length === 8, `${label}: 8 attempt spans`);
  return {traceId: [...traceIds][0], chats};
}

try {
  // 1. Live export from `autopilot run` through the project's otlp: setting.
  const project = fruitProject(src, out,
    `\notlp:\n  endpoint: ${endpoint}\n  headers: ["Authorization=Basic \${OTLP_E2E_BASIC}", "x-langfuse-ingestion-version=4"]\n`);
  const {doc, stderr} = await replayRunAsync(bin, src, project, out, env);
  check(doc.passed === true, 'the recorded run passes');
  await settle();
  check(traces.length === 1, `the run exported live, in one request (${traces.length} request(s)); ${stderr.split('\n').filter((l) => l.includes('export')).join(' ')}`);
  const live = checkTrace(traces.flatMap(spansOf), 'live');
  check(live.chats.every((c) => attr(c, 'gen_ai.input.messages') === undefined), 'live: no message content unless asked');
  check(requests.every((r) => r.path === '/v1/traces' && r.headers.authorization === 'Basic ' + basic),
    'every request went to /v1/traces with the Basic auth header');
  check(requests.every((r) => r.headers['x-langfuse-ingestion-version'] === '4'), 'extra headers are sent as given');

  // 2. The same store through `autopilot export otlp`, with content.
  const before = traces.length;
  const r = await run(bin, ['--json', 'export', 'otlp', path.join(out, 'runs.db'), '--endpoint', endpoint,
    '--header', 'Authorization=Basic ${OTLP_E2E_BASIC}', '--include-content'], env);
  check(r.status === 0, 'autopilot export otlp succeeds: ' + r.stderr);
  const summary = JSON.parse(r.stdout);
  await settle();
  const exported = traces.slice(before).flatMap(spansOf);
  check(summary.spans === exported.length && summary.runs === 1, `the receiver got the ${summary.spans} spans the export reports`);
  const again = checkTrace(exported, 'export');
  check(again.traceId === live.traceId, 'a re-export sends the same trace id (derived from the run, not random)');
  const msgs = JSON.parse(again.chats[0]['attributes'].find((a) => a.key === 'gen_ai.input.messages').value.stringValue);
  check(msgs[0].role === 'system' && msgs[1].role === 'user' && msgs[1].parts[0].content.length > 0, '--include-content sends gen_ai.input.messages');
  check(!r.stdout.includes(basic) && !r.stderr.includes(basic) && !r.stdout.includes('sk-lf-'), 'the command prints no header value');

  // 3. No secret in anything the receiver got.
  const wire = JSON.stringify(traces);
  check(!wire.includes(apiKey), 'the API key from the environment is in no payload');
  check(!wire.includes(basic) && !wire.includes('sk-lf-e2e-SECRET'), 'the Basic auth credentials are in no payload');

  // 4. A receiver that refuses (wrong port) is an error naming the endpoint, not a hang.
  const bad = await run(bin, ['export', 'otlp', path.join(out, 'runs.db'), '--endpoint', 'http://user:pw@127.0.0.1:1'], {}, 60000);
  check(bad.status !== 0 && bad.stderr.includes('127.0.0.1:1') && !bad.stderr.includes('user:pw'), 'an unreachable receiver fails, without the URL credentials in the message');
  fs.writeFileSync(path.join(out, 'received.json'), JSON.stringify(traces, null, 1));
  console.log('1 passed, 0 failed');
} finally {
  await server.close();
}
