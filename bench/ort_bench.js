#!/usr/bin/env node
// ort_bench.js - Times an ONNX model with ONNX Runtime (npm onnxruntime-node), CPU.
//
//   node bench/ort_bench.js MODEL.onnx INPUT.f32 BATCH C H W RUNS WARMUP LOGITS.f32 [THREADS=2] [SPIN=1]
//                           [MAX_SECONDS]
//
// Session: intraOpNumThreads THREADS, interOpNumThreads 1, sequential execution,
// graphOptimizationLevel 'all', ORT's defaults otherwise; SPIN=0 sets
// session.intra_op.allow_spinning=0 (worker threads sleep instead of spinning between ops).
// MAX_SECONDS: the timed runs stop once they have taken that long (at least one runs; "runs" in
// the output says how many did), so that a pool collapsing on a loaded machine cannot take minutes.
// Prints one line of JSON like bitc_bench.c: median and minimum wall ms per run, and the
// median process CPU ms per run (all threads, spinning included).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

async function main() {
  const a = process.argv.slice(2);
  if (a.length < 9) {
    console.error('usage: ort_bench.js MODEL.onnx INPUT.f32 BATCH C H W RUNS WARMUP LOGITS.f32 [THREADS] [SPIN]');
    process.exit(2);
  }
  const [model, input] = a;
  const [batch, C, H, W, runs, warmup] = a.slice(2, 8).map(Number);
  const out = a[8];
  const threads = a.length > 9 ? Number(a[9]) : 2;
  const spin = a.length > 10 ? a[10] !== '0' : true;
  const maxMs = a.length > 11 ? Number(a[11]) * 1e3 : Infinity;
  const floats = batch * C * H * W;
  const bytes = fs.readFileSync(input);
  if (bytes.length < floats * 4) {
    console.error(`ort_bench: ${input} holds fewer than ${floats} floats`);
    process.exit(1);
  }
  // Copy into an aligned Float32Array (the Buffer may start at any offset of its pool).
  const pixels = new Float32Array(floats);
  pixels.set(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4)).subarray(0, floats));

  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: spin ? {} : { 'session.intra_op.allow_spinning': '0' },
  });
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', pixels, [batch, C, H, W]);
  const outName = session.outputNames[0];
  let result;
  for (let i = 0; i < warmup; ++i) result = await session.run(feeds);
  const wall = [];
  const cpu = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs && (i === 0 || Number(process.hrtime.bigint() - start) / 1e6 < maxMs); ++i) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    result = await session.run(feeds);
    const w = Number(process.hrtime.bigint() - w0) / 1e6;
    const c = process.cpuUsage(c0);
    wall.push(w);
    cpu.push((c.user + c.system) / 1e3);
  }
  const logits = result[outName].data;
  fs.writeFileSync(out, Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
  console.log(JSON.stringify({
    engine: 'onnxruntime', version: ort.env.versions ? ort.env.versions.node : undefined,
    batch, threads, spin, runs: wall.length, median_ms: +median(wall).toFixed(3), min_ms: +Math.min(...wall).toFixed(3),
    cpu_ms: +median(cpu).toFixed(3),
  }));
}

main().catch((e) => {
  console.error('ort_bench: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
