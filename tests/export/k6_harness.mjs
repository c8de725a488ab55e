// Loads a k6 script written by `podpilot workload export --format k6` in plain Node.js (the
// 'k6/http' import is replaced by a recorder; k6 itself is not needed) and checks that its
// ramping-arrival-rate scenario reproduces a per-second series.
//
//   node k6_harness.mjs SCRIPT.js SERIES.csv REL_TOL ABS_TOL FIT_BOUND TARGET_URL LATENCY_S HEADROOM
//
// SERIES.csv is `podpilot workload show --csv` output (t_s,rps). Per second, the scenario's mean
// rate must be within FIT_BOUND + REL_TOL * (rps + FIT_BOUND) + ABS_TOL of rps (export.h's
// guarantee) plus k6's integer-rate rounding (half a request per timeUnit). Prints one line per
// problem; exits 0 when there is none.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, csvPath, relArg, absArg, fitArg, targetUrl, latencyArg, headroomArg] = process.argv.slice(2);
const rel = Number(relArg), abs = Number(absArg), fit = Number(fitArg);
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

// ---- load the script with a stub for k6/http ----------------------------------------------------
const IMPORT = "import http from 'k6/http';";
const src = readFileSync(script, 'utf8');
check(src.split(IMPORT).length === 2, `expected exactly one line "${IMPORT}"`);
const gets = [];
globalThis.__ENV = {};
globalThis.__recordGet = (url) => gets.push(url);
const dir = mkdtempSync(join(tmpdir(), 'podpilot-k6-'));
const copy = join(dir, 'script.mjs');
writeFileSync(copy, src.replace(IMPORT, 'const http = { get: (url) => globalThis.__recordGet(url) };'));
const mod = await import(pathToFileURL(copy).href);
rmSync(dir, { recursive: true, force: true });

// ---- the scenario ---------------------------------------------------------------------------------
const sc = mod.options?.scenarios?.workload;
check(sc !== undefined, 'no options.scenarios.workload');
check(sc.executor === 'ramping-arrival-rate', `executor is ${sc.executor}`);
const perUnit = { '1s': 1, '1m': 60 }[sc.timeUnit];
check(perUnit !== undefined, `timeUnit ${sc.timeUnit}`);
check(Number.isInteger(sc.startRate) && sc.stages.every((s) => Number.isInteger(s.target)), 'rates must be integers');

// k6 durations as used by the exporter: [Nh][Nm][Ns] or N.NNNs.
const seconds = (d) => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(d);
  check(m !== null && d !== '', `bad duration '${d}'`);
  return m ? 3600 * (+m[1] || 0) + 60 * (+m[2] || 0) + (+m[3] || 0) : 0;
};

// Mean rate (req/s) of the stages over each whole second: linear ramps, 0-duration jumps.
const series = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
const n = series.length;
const plan = new Array(n).fill(0);
let t = 0, rate = sc.startRate / perUnit, peak = rate;
for (const st of sc.stages) {
  const d = seconds(st.duration), target = st.target / perUnit;
  peak = Math.max(peak, target);
  for (let i = Math.floor(t); d > 0 && i < n && i < t + d; i++) {
    const lo = Math.max(t, i), hi = Math.min(t + d, i + 1);
    if (hi > lo) plan[i] += (hi - lo) * (rate + ((target - rate) * ((lo + hi) / 2 - t)) / d);
  }
  t += d;
  rate = target;
}
check(Math.abs(t - n) < 1e-9, `stages last ${t} s, series ${n} s`);

let worst = 0, worstAt = 0, planTotal = 0, seriesTotal = 0;
for (let i = 0; i < n; i++) {
  const allowed = fit + rel * (series[i] + fit) + abs + 0.5 / perUnit + 1e-9;
  const excess = Math.abs(plan[i] - series[i]) - allowed;
  if (excess > worst) { worst = excess; worstAt = i; }
  planTotal += plan[i];
  seriesTotal += series[i];
}
check(worst <= 0, `second ${worstAt}: stages ${plan[worstAt]} vs series ${series[worstAt]} req/s (over by ${worst})`);
check(Math.abs(planTotal - seriesTotal) <= 0.01 * seriesTotal, `total ${planTotal} vs ${seriesTotal}`);

// ---- VU sizing and the request ---------------------------------------------------------------
const pre = Math.max(1, Math.ceil(peak * Number(latencyArg) - 1e-9));
check(sc.preAllocatedVUs === pre, `preAllocatedVUs ${sc.preAllocatedVUs}, want ceil(${peak} x ${latencyArg}) = ${pre}`);
check(sc.maxVUs === Math.ceil(pre * Number(headroomArg) - 1e-9), `maxVUs ${sc.maxVUs} for headroom ${headroomArg}`);
mod.default();
check(gets.length === 1 && gets[0] === targetUrl, `default() requested ${JSON.stringify(gets)}, want ${targetUrl}`);

for (const p of problems) console.log(`k6 harness: ${p}`);
console.log(`k6 harness: ${n} s, ${sc.stages.length} stages, timeUnit ${sc.timeUnit}, ` +
            `total ${planTotal.toFixed(1)} vs ${seriesTotal.toFixed(1)} requests, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
