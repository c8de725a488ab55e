// Instant PromQL queries against a real Prometheus (Debian's /usr/bin/prometheus on loopback,
// started by the tests' helper), over http and https: one client reused for every query (its
// pooled libcurl handles keep the connection and TLS session, net/curl_handle_pool.h) versus a
// new client per query (a new connection, and a TLS handshake for https, every time) -- what
// the operator paid per reconcile before the Prometheus client pooled its handles.
//
//   build/release/bench/prom_query_bench            (skips itself when prometheus is absent)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "prom/prom_test_util.h"
#include "prom/prometheus_client.h"

namespace {

using podpilot::prom::ClientOptions;
using podpilot::prom::PrometheusClient;
using podpilot::prom::testing::TestPrometheus;

struct Server {
  std::unique_ptr<TestPrometheus> prometheus = std::make_unique<TestPrometheus>();
  bool started = false;
  std::string cert_dir, error;
  ~Server() {
    prometheus.reset();  // stop it before its certificate goes
    if (!cert_dir.empty()) std::filesystem::remove_all(cert_dir);
  }
};

// One http and one https Prometheus for the whole run, started on first use (stopped and removed
// by TestPrometheus' destructor at exit).
Server& Get(bool tls) {
  static Server servers[2];
  Server& s = servers[tls ? 1 : 0];
  if (s.started) return s;
  s.started = true;
  if (!TestPrometheus::Available()) {
    s.error = "no /usr/bin/prometheus";
    return s;
  }
  char tmpl[] = "/tmp/prom-bench.XXXXXX";
  s.cert_dir = ::mkdtemp(tmpl);
  if (tls) s.error = podpilot::prom::testing::GenerateSelfSignedCert(s.cert_dir);
  if (s.error.empty()) {
    s.error = tls ? s.prometheus->Start(std::chrono::seconds(20),
                                        TestPrometheus::TlsFiles{s.cert_dir + "/server.crt", s.cert_dir + "/server.key"})
                  : s.prometheus->Start();
  }
  return s;
}

ClientOptions Options(const Server& s, bool tls) {
  ClientOptions o;
  o.base_url = s.prometheus->base_url();
  if (tls) o.ca_file = s.cert_dir + "/server.crt";
  return o;
}

void BM_InstantQuery(benchmark::State& state) {
  const bool tls = state.range(0) == 1;
  const bool reuse = state.range(1) == 1;
  Server& s = Get(tls);
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  auto shared = PrometheusClient::Create(Options(s, tls));
  if (!shared.ok()) {
    state.SkipWithError(shared.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto fresh = reuse ? std::optional<PrometheusClient>() : PrometheusClient::Create(Options(s, tls)).value();
    const PrometheusClient& c = reuse ? *shared : *fresh;
    auto r = c.InstantQuery("vector(1)");
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(std::string(tls ? "https" : "http") + (reuse ? ", one client (pooled connection)" : ", new client per query"));
}
BENCHMARK(BM_InstantQuery)->ArgsProduct({{0, 1}, {1, 0}})->ArgNames({"tls", "reuse"})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
