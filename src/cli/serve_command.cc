// `podpilot serve`: runs the simulator with a policy in real time (or accelerated) and serves its
// state on /metrics with the names and labels of cAdvisor, kube-state-metrics and Istio, so that
// Prometheus can scrape it and PromQL written for a real cluster can be tried against it.
//
// Clock: Prometheus stamps samples with wall time. At --speed N one wall second carries N
// simulated seconds, so rate() over a wall window reads N times the simulated per-second rate
// (divide by podpilot_sim_speed, which is exported, to get simulated rates); windows and scrape
// intervals are wall time too. At --speed 1 the two clocks agree.
//
// Threads: the calling thread drives the simulator; cpp-httplib answers requests on its own
// threads from an immutable snapshot of the rendered text, swapped under a mutex after each batch
// of ticks. The command always stops by itself: at the end of the simulated run, after --max-wall,
// or on SIGINT / SIGTERM.
// Debian's libcpp-httplib is compiled with OpenSSL support, and httplib::Request has an extra member
// under that macro: code using the library must see the same layout. (The pkg-config target
// cpp-httplib sets it; this keeps the file correct when built without it.)
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "common/units.h"
#include "eval/policy_registry.h"
#include "eval/run.h"
#include "sim/env.h"
#include "sim/exposition.h"
#include "workload/workload.h"

namespace podpilot::cli {
namespace {

struct ServeOptions {
  std::string app = "online-boutique";
  std::string workload = "diurnal";
  std::string policy = "static";
  std::string duration = "1d";
  std::string control_interval = "15s";
  uint64_t seed = 0;
  double speed = 1;
  std::string listen = "127.0.0.1:9464";
  std::string max_wall = "15m";
  std::string namespace_name = "default";
};

constexpr double kMaxWallLimitS = 7 * 86400.0;
constexpr double kMaxSpeed = 1e5;

template <typename T>
T OrThrow(StatusOr<T> v, const std::string& what) {
  if (!v.ok()) throw UsageError(what + ": " + v.status().message());
  return std::move(v).value();
}

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "HOST:PORT" or "[IPv6]:PORT"; port 0 asks the kernel for a free port.
ListenAddress ParseListen(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw UsageError("--listen: expected HOST:PORT (e.g. 127.0.0.1:9464), got '" + text + "'");
  }
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) > 65535) {
    throw UsageError("--listen: port must be a number in [0, 65535], got '" + port + "' in '" + text + "'");
  }
  a.port = std::stoi(port);
  return a;
}

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop.store(true); }

// The latest rendered exposition, shared with the HTTP threads.
class Snapshot {
 public:
  void Publish(std::string text) {
    auto p = std::make_shared<const std::string>(std::move(text));
    std::lock_guard<std::mutex> lock(mu_);
    text_ = std::move(p);
  }
  std::shared_ptr<const std::string> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> text_ = std::make_shared<const std::string>();
};

// Runs the HTTP server on its own thread; stops and joins it however the caller's scope ends.
class ServerThread {
 public:
  explicit ServerThread(httplib::Server* server)
      : server_(server), thread_([server] { server->listen_after_bind(); }) {}
  ~ServerThread() { Stop(); }
  void Stop() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  httplib::Server* server_;
  std::thread thread_;
};

// SIGINT and SIGTERM end the run cleanly while it lasts; the previous handlers come back after.
class SignalGuard {
 public:
  SignalGuard() {
    g_stop.store(false);
    old_int_ = std::signal(SIGINT, OnStopSignal);
    old_term_ = std::signal(SIGTERM, OnStopSignal);
  }
  ~SignalGuard() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

// podpilot's own gauges, appended to the exporters' families: where the simulated clock is.
std::string ServeFamilies(double sim_seconds, double speed) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "# HELP podpilot_sim_time_seconds Simulated time since the start of the run.\n"
                "# TYPE podpilot_sim_time_seconds gauge\n"
                "podpilot_sim_time_seconds %.0f\n"
                "# HELP podpilot_sim_speed Simulated seconds per wall second; divide wall-clock rates by it.\n"
                "# TYPE podpilot_sim_speed gauge\n"
                "podpilot_sim_speed %.17g\n",
                sim_seconds, speed);
  return buf;
}

void RunServe(const ServeOptions& o) {
  if (!(o.speed > 0) || o.speed > kMaxSpeed) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "--speed: must be in (0, %g], got %g", kMaxSpeed, o.speed);
    throw UsageError(buf);
  }
  const double max_wall_s = OrThrow(ParseDuration(o.max_wall), "--max-wall '" + o.max_wall + "'");
  if (!(max_wall_s > 0) || max_wall_s > kMaxWallLimitS) {
    throw UsageError("--max-wall: must be in (0, 7d], got '" + o.max_wall + "'");
  }
  if (o.namespace_name.empty()) throw UsageError("--namespace: must not be empty");
  const ListenAddress listen = ParseListen(o.listen);

  // The same configuration `simulate` builds; Env::Create validates it with clear messages.
  EnvConfig cfg;
  cfg.app = std::make_shared<const AppModel>(OrThrow(LoadAppByName(o.app), "--app '" + o.app + "'"));
  cfg.workload = o.workload;
  cfg.duration_s = OrThrow(ParseDuration(o.duration), "--duration '" + o.duration + "'");
  cfg.control_interval_s =
      OrThrow(ParseDuration(o.control_interval), "--control-interval '" + o.control_interval + "'");
  std::unique_ptr<Policy> policy = OrThrow(MakePolicy(o.policy), "--policy");
  ApplyPolicyPreferences(*policy, &cfg);
  std::unique_ptr<Env> env = OrThrow(Env::Create(cfg), "configuration");
  policy->Reset(MakePolicyContext(*env));

  // Env runs whole control intervals; the exposition needs every tick, so the loop below drives a
  // Simulator directly, started as Env::Reset starts its own: the seed's arrivals, drawn around
  // the workload's mean rates, which drive the queueing model.
  const WorkloadSpec spec = OrThrow(ParseWorkloadSpec(cfg.workload), "--workload");
  const WorkloadSeries series = OrThrow(GenerateWorkload(spec, cfg.duration_s, o.seed), "--workload");
  auto arrivals = std::make_shared<const std::vector<double>>(OrThrow(Env::Arrivals(cfg, o.seed), "--workload"));
  SimConfig sim_config = env->simulator().config();  // as Env set it up (its control interval too)
  Simulator sim(cfg.app, sim_config);
  sim.Reset(std::move(arrivals), o.seed, series.start_time_of_day_s, series.start_day_of_week,
            std::make_shared<const std::vector<double>>(series.rps));
  ExpositionOptions eo;
  eo.namespace_name = o.namespace_name;
  MetricExposition expo(&sim, eo);

  Snapshot snapshot;
  snapshot.Publish(expo.Render() + ServeFamilies(0, o.speed));
  httplib::Server server;
  server.Get("/metrics", [&snapshot](const httplib::Request&, httplib::Response& res) {
    res.set_content(*snapshot.Get(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("podpilot serve: simulated cluster metrics at /metrics\n", "text/plain");
  });
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second exporter bind the same port
  // and silently share the scrapes; a busy port must be an error instead.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  int port = listen.port;
  if (port == 0) {
    port = server.bind_to_any_port(listen.host);
    if (port < 0) throw std::runtime_error("--listen: cannot bind " + listen.host + " to any port");
  } else if (!server.bind_to_port(listen.host, port)) {
    throw std::runtime_error("--listen: cannot bind " + o.listen + " (in use, or not a local address)");
  }
  ServerThread http(&server);
  SignalGuard signals;
  std::printf("podpilot serve: app %s, workload %s, policy %s, seed %llu, speed %gx, %s simulated\n",
              cfg.app->name.c_str(), cfg.workload.c_str(), policy->Name().c_str(),
              static_cast<unsigned long long>(o.seed), o.speed, FormatDuration(cfg.duration_s).c_str());
  std::printf("podpilot serve: listening on http://%s:%d/metrics\n", listen.host.c_str(), port);
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  const auto wall0 = Clock::now();
  const int ticks_per_interval = static_cast<int>(cfg.control_interval_s);
  int ticks_in_interval = 0;
  Observation obs;
  const char* why = "run complete";
  while (!sim.Done()) {
    const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
    if (g_stop.load()) { why = "signal"; break; }
    if (wall >= max_wall_s) { why = "--max-wall reached"; break; }
    // Catch the simulated clock up with the wall clock.
    const double target = std::min(wall * o.speed, cfg.duration_s);
    bool ticked = false;
    const auto batch_start = Clock::now();
    while (!sim.Done() && sim.Now() + 1 <= target) {
      // A slow model at a high speed falls behind; publish and look at the stop conditions anyway.
      const bool check_clock = (static_cast<int64_t>(sim.Now()) & 255) == 255;
      if (check_clock && Clock::now() - batch_start > std::chrono::milliseconds(200)) break;
      sim.Tick();
      expo.Observe();
      ticked = true;
      if (++ticks_in_interval == ticks_per_interval || sim.Done()) {
        // As Env::Reset and Env::Step: after each interval the policy sees it and decides.
        ticks_in_interval = 0;
        sim.TakeInterval();
        sim.Observe(&obs, cfg.control_interval_s);
        if (!sim.Done()) sim.Apply(policy->Decide(obs));
      }
    }
    if (ticked) snapshot.Publish(expo.Render() + ServeFamilies(sim.Now(), o.speed));
    // Sleep until the next tick is due, in slices short enough to notice a signal, and no less
    // than 20 ms so that high speeds run in batches instead of spinning.
    const double next_due = (sim.Now() + 1) / o.speed;
    const double nap = std::clamp(next_due - wall, 0.02, 0.1);
    std::this_thread::sleep_for(std::chrono::duration<double>(nap));
  }
  http.Stop();
  std::printf("podpilot serve: stopped (%s) at simulated %s after %.1f s wall\n", why,
              FormatDuration(sim.Now()).c_str(), std::chrono::duration<double>(Clock::now() - wall0).count());
}

}  // namespace

void RegisterServe(CLI::App& app) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve",
      "Run a policy on a simulated application in real time (or faster) and serve Prometheus metrics as "
      "cAdvisor, kube-state-metrics and Istio export them. At --speed N, rates over wall-clock windows are "
      "N times the simulated rates (podpilot_sim_speed holds N).");
  std::string policies;
  for (const auto& [name, help] : PolicyKinds()) policies += "\n      " + help;
  sub->add_option("--app", opts->app, "Application: a bundled name or a YAML path")->capture_default_str();
  sub->add_option("--workload", opts->workload, "Workload spec, e.g. diurnal, step:low=20,high=200,at=10m")
      ->capture_default_str();
  sub->add_option("--policy", opts->policy, "Policy spec:" + policies)->capture_default_str();
  sub->add_option("--duration", opts->duration, "Simulated time, e.g. 90m, 1d")->capture_default_str();
  sub->add_option("--seed", opts->seed, "Random seed (same seed, same run)")->capture_default_str();
  sub->add_option("--speed", opts->speed, "Simulated seconds per wall second (1 = real time)")
      ->capture_default_str();
  sub->add_option("--listen", opts->listen, "HOST:PORT to serve /metrics on (port 0: any free port)")
      ->capture_default_str();
  sub->add_option("--max-wall", opts->max_wall, "Stop after this much wall time at the latest (at most 7d)")
      ->capture_default_str();
  sub->add_option("--control-interval", opts->control_interval, "Policy period")->capture_default_str();
  sub->add_option("--namespace", opts->namespace_name, "Kubernetes namespace in the labels")->capture_default_str();
  sub->callback([opts] { RunServe(*opts); });
}

}  // namespace podpilot::cli
