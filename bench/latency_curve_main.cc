// latency_curve: end-to-end latency versus utilisation of one service, fast model next to the
// request-level discrete-event simulation (src/sim/des.h). Writes CSV to stdout (or --out).
//
//   latency_curve --app gourmetgram --pods 1 --rho 0.05,0.1,...,0.98 --requests 400000
//
// The app's first request class is used. So that the curve shows latency and nothing else, the
// pods never die: memory per in-flight request is set to 0 (the fast model would otherwise OOM-kill
// gourmetgram's pod at ~10 requests in flight) and the timeout is made very long; replicas are
// fixed at --pods. The fast model is run three ways:
//   fast_*      arrivals exactly `rps` every second (the steady-state formula, no tick noise);
//   fastpois_*  Poisson counts per 1 s tick (workload noise=poisson, the simulator's default),
//               which shows what per-tick fluctuation of the utilisation adds;
// and the DES gives the reference with its batch-means standard errors.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "sim/app_model.h"
#include "sim/des.h"
#include "workload/workload.h"

namespace {

std::vector<double> DefaultRhos() {
  return {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
          0.7,  0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98};
}

double Pct(double fast, double des) { return des > 0 ? 100.0 * (fast - des) / des : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  using namespace podpilot;
  CLI::App cli{"Latency versus utilisation of one service: fast model vs discrete-event simulation"};
  std::string app_name = "gourmetgram", out_path;
  int pods = 1;
  std::vector<double> rhos = DefaultRhos();
  int64_t requests = 400000;
  double cv = -1;
  uint64_t seed = 1;
  int seconds = 3600;
  bool round_robin = false;
  cli.add_option("--app", app_name, "bundled app name or YAML path (its first service and class)");
  cli.add_option("--pods", pods, "pods of the service")->check(CLI::Range(1, 1000));
  cli.add_option("--rho", rhos, "utilisations to evaluate (comma separated)")->delimiter(',');
  cli.add_option("--requests", requests, "DES requests per point at low load (scaled up near saturation)");
  cli.add_option("--cv", cv, "override the service's cpu_cv");
  cli.add_option("--seed", seed, "seed");
  cli.add_option("--seconds", seconds, "fast-model run length per point (s)");
  cli.add_flag("--round-robin", round_robin, "DES routes round-robin (default: uniformly at random)");
  cli.add_option("--out", out_path, "CSV file (default stdout)");
  CLI11_PARSE(cli, argc, argv);

  auto loaded = LoadAppByName(app_name);
  if (!loaded.ok()) {
    std::fprintf(stderr, "latency_curve: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  AppModel app = std::move(loaded).value();
  ServiceModel& svc = app.services[static_cast<size_t>(app.classes[0].root.service)];
  svc.memory_per_inflight = 0;
  svc.timeout_ms = 3600e3;
  svc.initial_replicas = svc.min_replicas = svc.max_replicas = pods;
  if (cv >= 0) svc.cpu_cv = cv;
  app.classes.resize(1);
  app.classes[0].weight = 1;
  auto shared = std::make_shared<const AppModel>(app);
  auto model = DesModelFromApp(app);
  if (!model.ok()) {
    std::fprintf(stderr, "latency_curve: %s\n", model.status().ToString().c_str());
    return 1;
  }
  // Rate at which the service's pods are exactly saturated.
  const double full_rps = 1.0 / DesUtilisation(*model, 1.0)[static_cast<size_t>(app.classes[0].root.service)];

  FILE* out = out_path.empty() ? stdout : std::fopen(out_path.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "latency_curve: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::fprintf(out, "# app=%s service=%s pods=%d cpu_per_request=%g capacity_cores=%g cpu_cv=%g hop_ms=%g routing=%s\n",
               app.name.c_str(), svc.name.c_str(), pods, svc.cpu_per_request, model->services[0].capacity_cores,
               svc.cpu_cv, app.network_hop_ms, round_robin ? "round-robin" : "random");
  std::fprintf(out,
               "rho,rps,des_mean_ms,des_mean_se_ms,des_p95_ms,des_p95_se_ms,des_p99_ms,des_requests,"
               "fast_mean_ms,fast_p95_ms,fastpois_mean_ms,fastpois_p95_ms,err_mean_pct,err_p95_pct,"
               "errpois_mean_pct,errpois_p95_pct\n");
  for (double rho : rhos) {
    const double rps = rho * full_rps;
    DesOptions o;
    o.arrival_rate = rps;
    // Near saturation the sojourn times are correlated over ~1/(1 - sqrt(rho))^2 services:
    // longer runs keep the standard errors small.
    const double relax = 1.0 / ((1.0 - std::sqrt(rho)) * (1.0 - std::sqrt(rho)));
    o.requests = std::max<int64_t>(requests, static_cast<int64_t>(std::min(4e6, 400.0 * relax * 40)));
    o.warmup_requests = std::max<int64_t>(10000, static_cast<int64_t>(50 * relax));
    o.routing = round_robin ? DesRouting::kRoundRobin : DesRouting::kRandom;
    o.seed = seed;
    auto des = RunDes(*model, o);
    if (!des.ok()) {
      std::fprintf(stderr, "latency_curve: rho %g: %s\n", rho, des.status().ToString().c_str());
      return 1;
    }
    const FastLatency fast = RunFastModel(shared, std::vector<double>(static_cast<size_t>(seconds), rps), seed);
    std::ostringstream spec;
    spec << "constant:rps=" << rps << ",noise=poisson";
    auto series = MakeWorkload(spec.str(), seconds, seed);
    if (!series.ok()) {
      std::fprintf(stderr, "latency_curve: %s\n", series.status().ToString().c_str());
      return 1;
    }
    const FastLatency pois = RunFastModel(shared, SampleArrivals(*series, seed), seed);
    const DesLatencyStats& d = des->overall;
    const FastClassLatency& f = fast.classes[0];
    const FastClassLatency& p = pois.classes[0];
    std::fprintf(out, "%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%lld,%.4f,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,%.2f\n", rho, rps,
                 d.mean_ms, d.mean_se_ms, d.p95_ms, d.p95_se_ms, d.p99_ms, static_cast<long long>(d.count), f.mean_ms,
                 f.p95_ms, p.mean_ms, p.p95_ms, Pct(f.mean_ms, d.mean_ms), Pct(f.p95_ms, d.p95_ms),
                 Pct(p.mean_ms, d.mean_ms), Pct(p.p95_ms, d.p95_ms));
    std::fflush(out);
  }
  if (out != stdout) std::fclose(out);
  return 0;
}
