// Runs .tflite models in LiteRT.js (Google's TFLite runtime compiled to WebAssembly) under Node,
// the independent oracle for autopilot's interpreter.
//
// Reads one JSON request on stdin:
//   {"model": "m.tflite", "inputs": [[[byte,...], ...input 1 bytes...], ...] per inference,
//    "repeat": 0}
// and prints {"outputs": [[[byte,...] per output] per inference], "load_ms": x, "run_us": y}.
// Tensors travel as raw little-endian bytes so no engine rounds another's values.
//
// Shims (LiteRT.js is browser-first): `self`/`importScripts` for its loader, and int8 tensors,
// which its JS layer does not list, are added to a private copy of its entry module.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const nodeDir = process.env.AUTOPILOT_NODE_DIR ||
    path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node');
const require = createRequire(path.join(nodeDir, 'package.json'));
const corePkg = path.dirname(require.resolve('@litertjs/core/package.json'));
const utilsEntry = require.resolve('@litertjs/wasm-utils');

globalThis.self = globalThis;
globalThis.importScripts = (url) => {
  const file = url.startsWith('file:') ? new URL(url).pathname : url;
  // Emscripten's Node branch expects CommonJS globals.
  globalThis.require = createRequire(file);
  globalThis.__filename = file;
  globalThis.__dirname = path.dirname(file);
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
};
// The WebGPU probe logs a warning when navigator is missing; no GPU is used here.
const quiet = console.warn;
console.warn = () => {};

async function loadLiteRtModule() {
  let src = fs.readFileSync(path.join(corePkg, 'dist', 'index.js'), 'utf8');
  const anchor = 'var DATATYPES = Object.freeze([';
  if (!src.includes(anchor)) throw new Error('unexpected @litertjs/core layout (DATATYPES)');
  src = src.replace(anchor, anchor +
      '\n  { dtype: "int8", typedArrayConstructor: Int8Array, elementType: ElementType.INT8 },');
  src = src.replace('from "@litertjs/wasm-utils"', 'from ' + JSON.stringify(pathToFileURL(utilsEntry).href));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'litert-'));
  const file = path.join(tmp, 'litert_core.mjs');
  fs.writeFileSync(file, src);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const ARRAYS = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array };

function typedFromBytes(bytes, dtype) {
  const buf = Uint8Array.from(bytes);
  const T = ARRAYS[dtype];
  if (!T) throw new Error('unsupported input dtype ' + dtype);
  return new T(buf.buffer, 0, buf.byteLength / T.BYTES_PER_ELEMENT);
}

function bytesOf(typed) {
  return Array.from(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
}

async function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const litert = await loadLiteRtModule();
  await litert.loadLiteRt(path.join(corePkg, 'wasm', 'litert_wasm_compat_internal.js'));
  const t0 = performance.now();
  const model = await litert.loadAndCompile(new Uint8Array(fs.readFileSync(request.model)),
                                            { accelerator: 'wasm' });
  const loadMs = performance.now() - t0;
  const details = model.getInputDetails();
  const outputs = [];
  let runUs = 0;
  const runOnce = async (inputs) => {
    const tensors = inputs.map((bytes, i) =>
        new litert.Tensor(typedFromBytes(bytes, details[i].dtype), details[i].shape));
    const result = await model.run(tensors);
    const out = result.map((t) => bytesOf(t.toTypedArray()));
    tensors.forEach((t) => t.delete());
    result.forEach((t) => t.delete());
    return out;
  };
  for (const inputs of request.inputs) outputs.push(await runOnce(inputs));
  const repeat = request.repeat || 0;
  if (repeat > 0 && request.inputs.length > 0) {
    const t1 = performance.now();
    for (let k = 0; k < repeat; ++k) await runOnce(request.inputs[k % request.inputs.length]);
    runUs = (performance.now() - t1) * 1000 / repeat;
  }
  process.stdout.write(JSON.stringify({ outputs, load_ms: loadMs, run_us: runUs }) + '\n');
  console.warn = quiet;
}

main().catch((e) => {
  process.stderr.write('litert_run: ' + (e && e.stack ? e.stack : String(e)) + '\n');
  process.exit(1);
});
