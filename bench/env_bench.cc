// Environment throughput: steps per second of Env and VecEnv on Online Boutique (one step = one
// 15 s control interval of 1 s ticks). Run: build/release/bench/env_bench
#include <benchmark/benchmark.h>

#include <memory>

#include "sim/env.h"
#include "sim/vec_env.h"

namespace podpilot {
namespace {

EnvConfig BenchConfig() {
  EnvConfig cfg;
  auto app = LoadAppByName("online-boutique");
  if (!app.ok()) throw std::runtime_error(app.status().ToString());
  cfg.app = std::make_shared<const AppModel>(std::move(app).value());
  // A load the initial replicas carry, so the benchmark measures the steady hot path; one day.
  cfg.workload = "diurnal:peak=100,trough=20";
  cfg.duration_s = 86400;
  return cfg;
}

// Keeps replicas as they are, like a policy that rarely acts (the common case between actions).
Decision KeepAll(const Observation& obs) {
  Decision d;
  d.targets.resize(obs.targets.size());
  return d;
}

void BM_EnvStep(benchmark::State& state) {
  auto env = Env::Create(BenchConfig());
  if (!env.ok()) throw std::runtime_error(env.status().ToString());
  uint64_t seed = 1;
  const StepResult* r = &(*env)->Reset(seed);
  Decision d = KeepAll(r->observation);
  for (auto _ : state) {
    r = &(*env)->Step(d);
    if (r->truncated) {
      state.PauseTiming();
      r = &(*env)->Reset(++seed);
      state.ResumeTiming();
    }
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnvStep)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_VecEnvStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
  auto venv = VecEnv::Create(BenchConfig(), n, threads);
  if (!venv.ok()) throw std::runtime_error(venv.status().ToString());
  (*venv)->Reset(1);
  std::vector<Decision> ds(n, KeepAll((*venv)->results()[0]->observation));
  for (auto _ : state) (*venv)->Step(ds);
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VecEnvStep)->Args({8, 1})->Args({8, 2})->Args({64, 2})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace podpilot

BENCHMARK_MAIN();
