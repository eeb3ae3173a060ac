// autopilot serve: the viewer's page. Everything shown comes from the store (untrusted LLM output),
// so the DOM is built with text nodes only — never by parsing markup — and the server's CSP forbids
// inline script besides.
'use strict';

/** Element builder: h('td', {class: 'num'}, 'text', child, ...). Strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'onclick') el.addEventListener('click', v);
    else if (k === 'onchange') el.addEventListener('change', v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path) {
  const res = await fetch(path, {headers: {Accept: 'application/json'}});
  const doc = await res.json();
  if (!res.ok) throw new Error(doc.error || res.statusText);
  return doc;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

/** The route from the hash: #/ , #/cell?..., #/run/ID[/ATTEMPT_ID]; filters in the query. */
function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  return {parts: path.split('/').filter(Boolean), params: Object.fromEntries(new URLSearchParams(qs || ''))};
}

const FILTERS = ['model', 'format', 'stage', 'code'];
let filterOptions = null;

function pct(rate) { return rate === null || rate === undefined ? '–' : (100 * rate).toFixed(1) + ' %'; }
function num(v) { return v === null || v === undefined ? '–' : String(v); }
function usd(v) { return v ? '$' + Number(v).toFixed(4) : '–'; }
function status(s) { return h('span', {class: 'status-' + s}, s); }
function tax(code) { return code ? h('code', {class: 'tax'}, code) : '–'; }
function rateBar(rate) {
  const w = rate === null || rate === undefined ? 0 : Math.round(100 * rate);
  return h('span', {}, h('span', {class: 'bar'}, h('span', {style: null, 'data-w': w})), pct(rate));
}

function renderFilters(params) {
  const nav = document.getElementById('filters');
  nav.replaceChildren();
  if (!filterOptions) return;
  const lists = {model: filterOptions.models, format: filterOptions.formats, stage: filterOptions.stages, code: filterOptions.codes};
  for (const f of FILTERS) {
    const sel = h('select', {name: f, 'data-filter': f, onchange: () => {
      const r = route();
      delete r.params.offset;
      // On a cell page the taxonomy id narrows its runs; any other filter goes back to the cells.
      if (r.parts[0] === 'cell' && f === 'code') {
        location.hash = '#/cell' + query({...r.params, code: sel.value});
        return;
      }
      const p = {};
      for (const k of FILTERS) p[k] = r.parts.length === 0 ? (r.params[k] || '') : '';
      if (r.parts[0] === 'cell') p.code = r.params.code || '';
      p[f] = sel.value;
      location.hash = '#/' + query(p);
    }}, h('option', {value: ''}, 'all'), (lists[f] || []).map((v) => h('option', {value: v}, v === '' ? '(none)' : v)));
    sel.value = params[f] || '';
    nav.append(h('label', {}, f === 'code' ? 'taxonomy id' : f, sel));
  }
}

/** The bars' widths are set from data attributes (no inline style from markup: CSP). */
function sizeBars(root) {
  for (const b of root.querySelectorAll('[data-w]')) b.style.width = b.getAttribute('data-w') + '%';
}

async function showSummary(params) {
  const doc = await api('/api/summary' + query(params));
  filterOptions = doc.options;
  document.getElementById('store').textContent = doc.store;
  renderFilters(params);
  const main = h('div', {});
  main.append(h('h1', {}, 'Sweeps'));
  main.append(h('table', {id: 'sweeps'},
    h('tr', {}, h('th', {}, 'sweep'), ['runs', 'finished', 'passed', 'failed', 'errored', 'running'].map((c) => h('th', {class: 'num'}, c)), h('th', {}, 'success')),
    doc.sweeps.map((s) => h('tr', {},
      h('td', {}, s.sweep === '' ? '(no sweep: autopilot run)' : s.sweep),
      [s.runs, s.finished, s.passed, s.failed, s.errored, s.running].map((v) => h('td', {class: 'num'}, num(v))),
      h('td', {}, rateBar(s.success_rate))))));
  main.append(h('h1', {}, 'Cells'));
  main.append(h('table', {id: 'cells'},
    h('tr', {}, ['model', 'format', 'stage', 'preset'].map((c) => h('th', {}, c)), ['runs', 'finished', 'passed', 'running'].map((c) => h('th', {class: 'num'}, c)), h('th', {}, 'success')),
    doc.cells.map((c) => {
      const href = '#/cell' + query({model: c.model, format: c.format, stage: c.stage, preset: c.preset, code: params.code});
      return h('tr', {class: 'link', 'data-href': href, onclick: () => { location.hash = href; }},
        h('td', {}, h('a', {href}, c.model)), h('td', {}, c.format), h('td', {}, c.stage), h('td', {}, c.preset),
        [c.runs, c.finished, c.passed, c.running].map((v) => h('td', {class: 'num'}, num(v))),
        h('td', {}, rateBar(c.success_rate)));
    })));
  if (doc.cells.length === 0) main.append(h('p', {class: 'muted'}, 'no runs match the filters'));
  main.append(h('div', {id: 'running'}));
  return main;
}

async function showCell(params) {
  const doc = await api('/api/cell' + query(params));
  renderFilters(params);
  const c = doc.cell;
  const n = doc.counts;
  const main = h('div', {});
  main.append(h('p', {}, h('a', {href: '#/' + query({code: params.code})}, '← all cells')));
  main.append(h('h1', {}, `${c.model} · ${c.format} · ${c.stage} · ${c.preset}`));
  main.append(h('dl', {class: 'kv'},
    h('dt', {}, 'runs'), h('dd', {}, num(n.runs)), h('dt', {}, 'success'), h('dd', {}, rateBar(n.success_rate)),
    h('dt', {}, 'passed / failed / errored'), h('dd', {}, `${n.passed} / ${n.failed} / ${n.errored}`),
    h('dt', {}, 'running / interrupted'), h('dd', {}, `${n.running} / ${n.interrupted}`)));
  if (doc.failures.length) {
    main.append(h('h2', {}, 'Failed attempts by taxonomy id'));
    main.append(h('table', {id: 'failures'}, h('tr', {}, h('th', {}, 'taxonomy id'), h('th', {class: 'num'}, 'attempts')),
      doc.failures.map((f) => h('tr', {}, h('td', {}, h('a', {href: '#/cell' + query({...params, code: f.code, offset: ''})}, tax(f.code || 'unclassified'))), h('td', {class: 'num'}, f.attempts)))));
  }
  main.append(h('h2', {}, 'Runs'));
  main.append(h('table', {id: 'runs'},
    h('tr', {}, h('th', {}, 'run'), h('th', {}, 'sweep'), h('th', {class: 'num'}, 'rep'), h('th', {}, 'status'), h('th', {}, 'code'),
      ['attempts', 'in tokens', 'out tokens', 'LLM ms', 'cost'].map((x) => h('th', {class: 'num'}, x)), h('th', {}, 'started')),
    doc.runs.map((r) => {
      const href = '#/run/' + r.id;
      return h('tr', {class: 'link', onclick: () => { location.hash = href; }},
        h('td', {}, h('a', {href}, '#' + r.id)), h('td', {}, r.sweep), h('td', {class: 'num'}, r.repetition), h('td', {}, status(r.status)),
        h('td', {}, tax(r.code)), [r.attempts, r.input_tokens, r.output_tokens, r.llm_ms].map((v) => h('td', {class: 'num'}, num(v))),
        h('td', {class: 'num'}, usd(r.cost_usd)), h('td', {class: 'muted'}, r.started_at));
    })));
  const offset = Number(params.offset || 0);
  const pager = h('p', {});
  if (offset > 0) pager.append(h('a', {href: '#/cell' + query({...params, offset: Math.max(0, offset - doc.limit)})}, '← newer'), ' ');
  if (doc.runs.length === doc.limit) pager.append(h('a', {href: '#/cell' + query({...params, offset: offset + doc.limit})}, 'older →'));
  main.append(pager);
  return main;
}

function section(title, open, ...body) {
  return h('details', {open: open ? '' : null}, h('summary', {}, title), ...body);
}

function renderAttempt(a) {
  const box = h('div', {id: 'attempt', 'data-attempt': a.id});
  box.append(h('h2', {}, `${a.stage} attempt ${a.number}: `, status(a.status), ' ', a.code ? tax(a.code) : ''));
  box.append(h('div', {class: 'layers'}, a.layers.map((l) =>
    h('span', {class: 'layer ' + (l.passed ? 'pass' : 'fail'), title: l.code || ''}, `${l.layer} ${l.passed ? '✓' : '✗'}`))));
  if (a.llm) {
    const l = a.llm;
    box.append(h('dl', {class: 'kv', id: 'llm'},
      h('dt', {}, 'model'), h('dd', {}, `${l.provider}:${l.model}` + (l.response_model && l.response_model !== l.model ? ` (answered by ${l.response_model})` : '')),
      h('dt', {}, 'tokens'), h('dd', {}, `${num(l.input_tokens)} in, ${num(l.output_tokens)} out` + (l.cached_input_tokens ? `, ${l.cached_input_tokens} cached` : '') + (l.reasoning_tokens ? `, ${l.reasoning_tokens} reasoning` : '')),
      h('dt', {}, 'latency'), h('dd', {}, `${num(l.total_ms)} ms` + (l.ttft_ms !== null ? `, first token ${l.ttft_ms} ms` : '')),
      h('dt', {}, 'cost'), h('dd', {}, usd(l.cost_usd)),
      h('dt', {}, 'finish reason'), h('dd', {}, l.finish_reason || '–'),
      h('dt', {}, 'transport retries'), h('dd', {}, String(l.retries)),
      l.error_code ? [h('dt', {}, 'LLM error'), h('dd', {class: 'error'}, tax(l.error_code), ' ', l.error_message)] : null));
  }
  box.append(h('h2', {}, 'Diagnostics'));
  if (a.diagnostics.length === 0) box.append(h('p', {class: 'muted'}, 'none'));
  else box.append(h('table', {class: 'diagnostics'},
    h('tr', {}, ['layer', 'taxonomy id', 'where', 'message', 'source line'].map((c) => h('th', {}, c))),
    a.diagnostics.map((d) => h('tr', {},
      h('td', {}, d.layer), h('td', {}, tax(d.code)),
      h('td', {}, d.file ? d.file + (d.line !== null && d.line !== undefined ? ':' + d.line : '') : '–'),
      h('td', {}, d.message, d.hint ? h('div', {class: 'muted'}, d.hint) : null),
      h('td', {}, d.source !== null && d.source !== undefined ? h('code', {class: 'source'}, d.source) : '–')))));
  if (a.diff) {
    box.append(h('h2', {}, `Diff against attempt ${a.diff_against}`));
    box.append(h('pre', {class: 'diff'}, a.diff.map((l) =>
      h('span', {class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}, `${l.op} ${l.text}`))));
  } else if (a.code_text !== null) {
    box.append(h('p', {class: 'muted'}, 'first attempt of the stage: no diff'));
  }
  if (a.code_text !== null) box.append(section('Extracted code', !a.diff, h('pre', {class: 'code'}, a.code_text)));
  if (a.serial !== null) box.append(section('Virtual board serial output', true, h('pre', {class: 'serial'}, a.serial)));
  if (a.samples) {
    box.append(section('Per-sample verdicts', true, h('table', {class: 'samples'},
      h('tr', {}, ['sample', 'expected', 'reported', 'invoked', 'input ok', 'verdict'].map((c) => h('th', {}, c))),
      a.samples.map((s) => h('tr', {}, h('td', {class: 'num'}, s.index), h('td', {}, s.expected), h('td', {}, s.reported),
        h('td', {}, s.invoked ? 'yes' : 'no'), h('td', {}, s.input_ok ? 'yes' : 'no'),
        h('td', {}, s.verdict === 'pass' ? status('passed') : tax(s.verdict)))))));
  }
  if (a.prompt) {
    box.append(section('Prompt', false, h('h3', {}, 'system'), h('pre', {class: 'prompt-system'}, a.prompt.system),
      h('h3', {}, 'user'), h('pre', {class: 'prompt-user'}, a.prompt.user)));
  }
  if (a.reply !== null) box.append(section('Raw reply', false, h('pre', {class: 'reply'}, a.reply)));
  return box;
}

async function showRun(id, attemptId) {
  const doc = await api('/api/run/' + encodeURIComponent(id));
  renderFilters({});
  const r = doc.run;
  const main = h('div', {});
  main.append(h('p', {}, h('a', {href: '#/cell' + query({model: r.model, format: r.format, stage: r.stage, preset: r.preset})}, '← the run\'s cell')));
  main.append(h('h1', {}, `run #${r.id}: `, status(r.status), ' ', r.code ? tax(r.code) : ''));
  main.append(h('dl', {class: 'kv'}, h('dt', {}, 'key'), h('dd', {}, r.run_key), h('dt', {}, 'model'), h('dd', {}, r.model),
    h('dt', {}, 'format'), h('dd', {}, r.format), h('dt', {}, 'started'), h('dd', {}, r.started_at),
    h('dt', {}, 'finished'), h('dd', {}, r.finished_at || '–')));
  const selected = doc.attempts.find((a) => String(a.id) === String(attemptId)) || doc.attempts[0];
  main.append(h('h2', {}, 'Attempts'));
  main.append(h('div', {class: 'attempts', id: 'attempt-list'}, doc.attempts.map((a) =>
    h('a', {href: `#/run/${r.id}/${a.id}`, class: a === selected ? 'selected' : null, 'data-attempt': a.id},
      `${a.stage} #${a.number} `, status(a.status), a.code ? ' ' + a.code : ''))));
  if (selected) main.append(renderAttempt(selected));
  else main.append(h('p', {class: 'muted'}, 'no attempts recorded yet'));
  if (doc.artifacts.length) {
    main.append(h('h2', {}, 'Run artifacts'));
    main.append(h('ul', {}, doc.artifacts.map((f) => h('li', {}, `${f.kind}: ${f.name} (${f.size_bytes} bytes)`))));
  }
  return main;
}

let rendering = 0;
async function render() {
  const token = ++rendering;
  const {parts, params} = route();
  const main = document.getElementById('main');
  try {
    let view;
    if (parts[0] === 'cell') view = await showCell(params);
    else if (parts[0] === 'run' && parts[1]) view = await showRun(parts[1], parts[2]);
    else view = await showSummary(params);
    if (token !== rendering) return;  // a newer navigation won
    sizeBars(view);
    main.replaceChildren(view);
    lastSeen = null;
    poll();
  } catch (e) {
    if (token === rendering) main.replaceChildren(h('p', {class: 'error'}, 'error: ' + e.message));
  }
}

// Live progress: poll the store; the summary refreshes when attempts were added.
let lastSeen = null;
let pollTimer = null;
async function poll() {
  clearTimeout(pollTimer);
  try {
    const p = await api('/api/progress');
    const live = document.getElementById('live');
    const running = p.running.length;
    const runs = p.runs === 1 ? '1 run' : `${p.runs} runs`;
    live.textContent = running ? `${running} in progress · ${runs} · updated ${new Date().toLocaleTimeString()}` : `${runs} · idle`;
    live.classList.toggle('active', running > 0);
    const box = document.getElementById('running');
    if (box) {
      box.replaceChildren();
      if (running) {
        box.append(h('h1', {}, 'In progress'), h('table', {id: 'progress'},
          h('tr', {}, ['run', 'sweep', 'model', 'format', 'stage', 'attempts', 'last attempt', 'started'].map((c) => h('th', {}, c))),
          p.running.map((r) => h('tr', {}, h('td', {}, h('a', {href: '#/run/' + r.id}, '#' + r.id)), h('td', {}, r.sweep), h('td', {}, r.model),
            h('td', {}, r.format), h('td', {}, r.stage), h('td', {class: 'num'}, r.attempts), h('td', {}, r.last_attempt), h('td', {class: 'muted'}, r.started_at)))));
      }
    }
    const seen = `${p.runs}/${p.last_attempt_id}/${running}`;
    if (lastSeen !== null && seen !== lastSeen && route().parts.length === 0) {
      lastSeen = seen;
      render();
      return;
    }
    lastSeen = seen;
  } catch (e) {
    document.getElementById('live').textContent = 'progress unavailable: ' + e.message;
  }
  pollTimer = setTimeout(poll, 2000);
}

window.addEventListener('hashchange', render);
window.addEventListener('DOMContentLoaded', render);
