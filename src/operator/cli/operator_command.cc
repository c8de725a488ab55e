// `podpilot operator`: runs the operator (src/operator/operator.h) against a cluster until
// SIGINT / SIGTERM, then stops acting, releases its Lease and exits 0.
//
// Configuration errors (kubeconfig unreadable or malformed, bad flags, a Prometheus URL that is
// not http(s)) exit 2 with one line naming the file/flag and value; nothing is scaled.
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "common/units.h"
#include "k8s/kube_client.h"
#include "k8s/kube_config.h"
#include "operator/json_log.h"
#include "operator/operator.h"
#include "prom/prometheus_client.h"

namespace podpilot::cli {
namespace {

struct OperatorFlags {
  std::string kubeconfig;
  std::string context;
  std::string prometheus_url;
  std::string prometheus_timeout = "10s";
  std::string period = "15s";
  std::string log_format = "json";
  std::string log_level = "info";
  op::OperatorOptions options;
};

void RunOperator(const OperatorFlags& f) {
  // glibc gives each thread that allocates its own malloc arena; the operator's threads (workers,
  // watchers, HTTP) each held tens of MB of freed JSON there. Two arenas keep the resident set
  // small at no measurable cost for a process that mostly waits on the network.
  mallopt(M_ARENA_MAX, 2);
  op::SetLogFormat(f.log_format == "text" ? op::LogFormat::kText : op::LogFormat::kJson);
  op::SetLogLevel(f.log_level == "debug" ? op::LogLevel::kDebug
                  : f.log_level == "warn" ? op::LogLevel::kWarn
                  : f.log_level == "error" ? op::LogLevel::kError
                                           : op::LogLevel::kInfo);
  op::OperatorOptions options = f.options;
  auto period = ParseDuration(f.period);
  if (!period.ok() || *period < 1 || *period > 3600) {
    throw UsageError("--period '" + f.period + "': want a duration between 1s and 1h");
  }
  options.period_s = *period;
  auto prom_timeout = ParseDuration(f.prometheus_timeout);
  if (!prom_timeout.ok() || *prom_timeout < 0.1 || *prom_timeout > 300) {
    throw UsageError("--prometheus-timeout '" + f.prometheus_timeout + "': want a duration between 100ms and 5m");
  }

  // In a pod without --kubeconfig: the service account; otherwise the kubeconfig kubectl would use.
  StatusOr<k8s::KubeConfig> config = InvalidArgumentError("no configuration");
  if (f.kubeconfig.empty() && std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) {
    config = k8s::InClusterConfig();
  } else {
    const std::string path = f.kubeconfig.empty() ? k8s::DefaultKubeconfigPath() : f.kubeconfig;
    config = k8s::LoadKubeconfig(path, f.context);
  }
  if (!config.ok()) throw UsageError("kubeconfig: " + config.status().message());
  auto kube = k8s::KubeClient::Create(*config);
  if (!kube.ok()) throw UsageError("kubernetes client: " + kube.status().message());

  std::optional<prom::PrometheusClient> prom;
  if (!f.prometheus_url.empty()) {
    prom::ClientOptions popts;
    popts.base_url = f.prometheus_url;
    popts.timeout = std::chrono::milliseconds(static_cast<int64_t>(*prom_timeout * 1000));
    popts.connect_timeout = std::min(popts.connect_timeout, popts.timeout);
    auto p = prom::PrometheusClient::Create(popts);
    if (!p.ok()) throw UsageError("--prometheus-url: " + p.status().message());
    prom.emplace(std::move(p).value());
  }

  // Signals are taken by a dedicated thread (sigwait), so Stop runs in a normal context.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  op::Operator oper(std::move(kube).value(), std::move(prom), options);
  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != 0) {
      op::LogInfo("signal received, stopping", {{"signal", sig}});
      oper.Stop();
    }
  });
  const Status s = oper.Run();
  if (!s.ok()) {
    // Run failed before a signal came: wake the signal thread so it can be joined.
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
    throw UsageError("operator: " + s.message());
  }
  signals.join();
}

}  // namespace

void RegisterOperator(CLI::App& app) {
  auto f = std::make_shared<OperatorFlags>();
  CLI::App* cmd = app.add_subcommand("operator", "Run the podpilot operator: reconcile PodPilotAutoscaler objects on a cluster");
  cmd->add_option("--kubeconfig", f->kubeconfig, "kubeconfig file (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config)");
  cmd->add_option("--context", f->context, "kubeconfig context (default: current-context)");
  cmd->add_option("--namespace", f->options.namespace_, "watch only this namespace (default: all)");
  cmd->add_option("--prometheus-url", f->prometheus_url, "Prometheus for PromQL signals (request rate, SLO latency)");
  cmd->add_option("--prometheus-timeout", f->prometheus_timeout,
                  "longest wait for one PromQL answer; the first query of a reconcile that gets none stops the rest")
      ->capture_default_str();
  cmd->add_option("--listen", f->options.listen, "host:port of /metrics, /healthz, /readyz (\"\" = off)")->capture_default_str();
  cmd->add_option("--period", f->period, "resync period of each autoscaler (the HPA's is 15s)")->capture_default_str();
  cmd->add_option("--workers", f->options.workers, "concurrent reconciles")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_flag("--leader-elect", f->options.leader_elect, "elect a leader with a Lease; only the leader acts");
  cmd->add_option("--lease-namespace", f->options.lease_namespace, "namespace of the Lease")->capture_default_str();
  cmd->add_option("--lease-name", f->options.lease_name, "name of the Lease")->capture_default_str();
  cmd->add_option("--lease-duration", f->options.lease_duration_s, "seconds (client-go default 15)")->capture_default_str();
  cmd->add_option("--renew-deadline", f->options.renew_deadline_s, "seconds (client-go default 10)")->capture_default_str();
  cmd->add_option("--retry-period", f->options.retry_period_s, "seconds (client-go default 2)")->capture_default_str();
  cmd->add_option("--identity", f->options.identity, "identity in the Lease (default: hostname_pid)");
  cmd->add_flag("!--no-cache", f->options.cache,
                "read Deployments and pods straight from the API server on every reconcile (no watch caches)");
  cmd->add_option("--model-dir", f->options.model_dir, "where relative model paths of Learned policies are resolved");
  cmd->add_option("--model-namespace", f->options.model_namespace,
                  "where model.configMapRef ConfigMaps are read (default: the Lease namespace, i.e. the operator's own)");
  cmd->add_option("--model-recheck", f->options.model_recheck_s, "seconds between reads of a loaded model's ConfigMap (new versions)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--log-format", f->log_format, "json or text")->capture_default_str()->check(CLI::IsMember({"json", "text"}));
  cmd->add_option("--log-level", f->log_level, "debug, info, warn or error")->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->callback([f] { RunOperator(*f); });
}

}  // namespace podpilot::cli
