#include "operator/operator.h"

#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT  // Debian builds cpp-httplib with it; see serve_command.cc
#endif
#include <httplib.h>
#include <fmt/format.h>

#include "k8s/api_status.h"
#include "k8s/resources.h"
#include "k8s/watcher.h"
#include "operator/cluster_cache.h"
#include "operator/json_log.h"
#include "operator/leader_election.h"
#include "operator/reconciler.h"
#include "operator/work_queue.h"

namespace podpilot::op {

using nlohmann::json;

struct Operator::Impl {
  std::unique_ptr<ClusterCache> cache;
  std::unique_ptr<k8s::Watcher> watcher;
  WorkQueue queue;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<LeaderElector> elector;
  httplib::Server server;
  std::vector<std::thread> threads;
};

namespace {
std::string Key(const json& obj) {
  const json& m = obj.value("metadata", json::object());
  return m.value("namespace", "") + "/" + m.value("name", "");
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Operator::Operator(k8s::KubeClient kube, std::optional<prom::PrometheusClient> prom, OperatorOptions options)
    : kube_(std::move(kube)), prom_(std::move(prom)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  if (options_.identity.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    options_.identity = fmt::format("{}_{}", host, ::getpid());
  }
  ReconcilerOptions ropts;
  if (options_.cache) {
    const auto ttl = std::chrono::milliseconds(static_cast<int64_t>(std::min(5.0, options_.period_s / 2) * 1000));
    impl_->cache = std::make_unique<ClusterCache>(kube_, options_.namespace_, ttl, &metrics_);
    ropts.cache = impl_->cache.get();
  }
  ropts.period_s = options_.period_s;
  ropts.model_dir = options_.model_dir;
  ropts.model_namespace = options_.model_namespace.empty() ? options_.lease_namespace : options_.model_namespace;
  ropts.model_recheck = std::chrono::seconds(static_cast<int64_t>(std::max(1.0, options_.model_recheck_s)));
  ropts.before_scale_write = options_.before_scale_write;
  impl_->reconciler = std::make_unique<Reconciler>(kube_, prom_ ? &*prom_ : nullptr, &metrics_, ropts);
}

Operator::~Operator() { Stop(); }

void Operator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  impl_->queue.Shutdown();
  if (impl_->watcher) impl_->watcher->Stop();
  impl_->server.stop();
}

void Operator::OnLeadership(bool leading) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    leading_ = leading;
    if (leading) {
      for (const auto& [key, obj] : cache_) impl_->queue.AddNow(key);
    }
  }
  metrics_.SetLeader(leading);
  cv_.notify_all();
  LogInfo(leading ? "started leading" : "stopped leading", {{"identity", options_.identity}});
}

void Operator::WatchLoop() {
  impl_->watcher->Run(
      [&](const k8s::WatchEvent& ev) {
        std::lock_guard<std::mutex> lock(mu_);
        switch (ev.type) {
          case k8s::WatchEvent::Type::kRestarted: {
            std::map<std::string, json> fresh;
            for (const auto& o : ev.objects) fresh[Key(o)] = o;
            for (const auto& [key, obj] : cache_) {
              if (!fresh.count(key)) {
                impl_->queue.Remove(key);
                impl_->reconciler->Forget(obj["metadata"].value("namespace", ""), obj["metadata"].value("name", ""));
              }
            }
            cache_ = std::move(fresh);
            for (const auto& [key, obj] : cache_) impl_->queue.AddNow(key);
            synced_ = true;
            metrics_.WatchListed("podpilotautoscalers");
            LogInfo("autoscalers listed", {{"count", cache_.size()}});
            break;
          }
          case k8s::WatchEvent::Type::kApplied: {
            const std::string key = Key(ev.object);
            // Our own status writes come back as MODIFIED events; only a spec change (generation)
            // or a new object needs a reconcile before the next period.
            auto it = cache_.find(key);
            const bool spec_changed = it == cache_.end() || it->second["metadata"].value("generation", 0) !=
                                                                ev.object["metadata"].value("generation", 0);
            cache_[key] = ev.object;
            if (spec_changed) impl_->queue.AddNow(key);
            break;
          }
          case k8s::WatchEvent::Type::kDeleted: {
            const std::string key = Key(ev.object);
            cache_.erase(key);
            impl_->queue.Remove(key);
            impl_->reconciler->Forget(ev.object["metadata"].value("namespace", ""), ev.object["metadata"].value("name", ""));
            break;
          }
        }
        metrics_.SetAutoscalers(static_cast<int>(cache_.size()));
      },
      [&](const Status& s) {
        metrics_.SourceError("kubernetes");
        metrics_.WatchError("podpilotautoscalers", k8s::IsGone(s));
        LogWarn("watch of podpilotautoscalers failed; retrying with back-off", {{"error", s.ToString()}});
      });
}

void Operator::WorkerLoop() {
  const auto period = std::chrono::duration_cast<WorkQueue::Clock::duration>(std::chrono::duration<double>(options_.period_s));
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || leading_; });
      if (stop_) return;
    }
    auto key = impl_->queue.Get();
    if (!key) return;
    json obj;
    bool found = false, leading = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cache_.find(*key);
      if (it != cache_.end()) {
        obj = it->second;
        found = true;
      }
      leading = leading_;
    }
    if (!found) {
      impl_->queue.Done(*key);
      continue;
    }
    if (!leading) {  // lost the lease while waiting: the next leader reconciles it
      impl_->queue.Add(*key, WorkQueue::Clock::now() + period);
      impl_->queue.Done(*key);
      continue;
    }
    ReconcileOutcome out;
    try {
      out = impl_->reconciler->Reconcile(obj, UnixNow());
    } catch (const std::exception& e) {
      // An object of a shape nothing here expected (a field of the wrong JSON type that the
      // schema did not catch): fail this reconcile, keep the operator running.
      out.status = InvalidArgumentError(std::string("unexpected object: ") + e.what());
      metrics_.ReconcileDone(false, 0);
    }
    if (!out.status.ok()) {
      LogWarn("reconcile failed", {{"autoscaler", *key}, {"error", out.status.ToString()}});
    } else {
      LogDebug("reconciled", {{"autoscaler", *key}, {"decision", out.summary}, {"scaled", out.scaled}});
    }
    bool still_there = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      still_there = cache_.count(*key) != 0;
    }
    if (!still_there) {
      // Deleted while it was reconciled (the watch's Forget ran already, before or during it):
      // forget the state and metric series this reconcile may have set again.
      const auto slash = key->find('/');
      impl_->reconciler->Forget(key->substr(0, slash), key->substr(slash + 1));
      impl_->queue.Done(*key);
      continue;
    }
    impl_->queue.Add(*key, WorkQueue::Clock::now() + period);
    impl_->queue.Done(*key);
  }
}

Status Operator::Run() {
  // HTTP endpoints first: probes must answer while the rest starts.
  if (!options_.listen.empty()) {
    const auto colon = options_.listen.rfind(':');
    if (colon == std::string::npos) return InvalidArgumentError("--listen '" + options_.listen + "': want host:port");
    const std::string host = options_.listen.substr(0, colon);
    int port = 0;
    try {
      port = std::stoi(options_.listen.substr(colon + 1));
    } catch (...) {
      return InvalidArgumentError("--listen '" + options_.listen + "': bad port");
    }
    auto& srv = impl_->server;
    srv.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    srv.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      if (synced_) {
        res.set_content("ok\n", "text/plain");
      } else {
        res.status = 503;
        res.set_content("autoscalers not listed yet\n", "text/plain");
      }
    });
    srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.Serialize(), "text/plain; version=0.0.4");
    });
    const int bound = port == 0 ? srv.bind_to_any_port(host) : (srv.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) return UnavailableError("cannot listen on " + options_.listen);
    bound_port_ = bound;
    impl_->threads.emplace_back([this] { impl_->server.listen_after_bind(); });
    LogInfo("serving /metrics /healthz /readyz", {{"address", fmt::format("{}:{}", host, bound)}});
  }

  if (impl_->cache) impl_->cache->Start();
  impl_->watcher = std::make_unique<k8s::Watcher>(kube_, k8s::PodPilotAutoscalers(), options_.namespace_);
  impl_->threads.emplace_back([this] { WatchLoop(); });
  for (int i = 0; i < std::max(1, options_.workers); ++i) impl_->threads.emplace_back([this] { WorkerLoop(); });

  if (options_.leader_elect) {
    LeaderElectionOptions lopts;
    lopts.identity = options_.identity;
    lopts.lease_namespace = options_.lease_namespace;
    lopts.lease_name = options_.lease_name;
    auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
    lopts.lease_duration = ms(options_.lease_duration_s);
    lopts.renew_deadline = ms(options_.renew_deadline_s);
    lopts.retry_period = ms(options_.retry_period_s);
    LeaderCallbacks cb;
    cb.on_started_leading = [this] { OnLeadership(true); };
    cb.on_stopped_leading = [this] { OnLeadership(false); };
    cb.on_new_leader = [this](const std::string& id) { LogInfo("leader", {{"identity", id}, {"self", id == options_.identity}}); };
    auto elector = LeaderElector::Create(kube_, lopts, cb);
    if (!elector.ok()) {
      Stop();
      for (auto& t : impl_->threads) t.join();
      impl_->threads.clear();
      if (impl_->cache) impl_->cache->Stop();
      return elector.status();
    }
    impl_->elector = std::move(elector).value();
    impl_->elector->Start();
  } else {
    OnLeadership(true);
  }
  LogInfo("operator started", {{"identity", options_.identity}, {"namespace", options_.namespace_.empty() ? "*" : options_.namespace_},
                               {"period_s", options_.period_s}, {"leader_elect", options_.leader_elect}});
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_; });
  }
  // Stop acting first, then give the Lease back (release on cancel) so a standby takes over fast.
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  if (impl_->cache) impl_->cache->Stop();
  if (impl_->elector) impl_->elector->Stop();
  LogInfo("operator stopped", {{"identity", options_.identity}});
  return Status::Ok();
}

}  // namespace podpilot::op
