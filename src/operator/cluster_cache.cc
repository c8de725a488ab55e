#include "operator/cluster_cache.h"

#include "k8s/api_status.h"
#include "k8s/resources.h"
#include "operator/json_log.h"

namespace podpilot::op {

using nlohmann::json;

namespace {

std::string KeyOf(const json& o) {
  const json& m = o.value("metadata", json::object());
  return m.value("namespace", "") + "/" + m.value("name", "");
}

json TrimMeta(const json& o) {
  const json& m = o.value("metadata", json::object());
  json t{{"name", m.value("name", "")}, {"namespace", m.value("namespace", "")}};
  for (const char* k : {"uid", "labels", "resourceVersion", "generation", "deletionTimestamp"}) {
    if (m.contains(k)) t[k] = m[k];
  }
  return t;
}

json TrimDeployment(const json& d) {
  const json& spec = d.value("spec", json::object());
  json containers = json::array();
  for (const auto& c : spec.value("template", json::object()).value("spec", json::object()).value("containers", json::array())) {
    containers.push_back({{"name", c.value("name", "")}, {"resources", c.value("resources", json::object())}});
  }
  return {{"metadata", TrimMeta(d)},
          {"spec",
           {{"replicas", spec.value("replicas", 1)},
            {"selector", spec.value("selector", json::object())},
            {"template", {{"spec", {{"containers", containers}}}}}}}};
}

json TrimHpa(const json& h) {
  json t{{"metadata", TrimMeta(h)},
         {"spec", {{"scaleTargetRef", h.value("spec", json::object()).value("scaleTargetRef", json::object())}}}};
  const json status = h.value("status", json::object());
  if (status.is_object() && status.contains("desiredReplicas")) t["status"] = {{"desiredReplicas", status["desiredReplicas"]}};
  return t;
}

}  // namespace

json TrimPod(const json& p) {
  const json& st = p.value("status", json::object());
  json status = json::object();
  for (const char* k : {"phase", "startTime"}) {
    if (st.contains(k)) status[k] = st[k];
  }
  json conditions = json::array();
  for (const auto& c : st.value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") conditions.push_back(c);
  }
  status["conditions"] = conditions;
  // Containers' current and last terminations, only OOM kills (target_observer.h CountOomKills).
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    json kept = json::array();
    for (const auto& c : st.value(list, json::array())) {
      json entry = json::object();
      for (const char* which : {"state", "lastState"}) {
        const json& term = c.value(which, json::object()).value("terminated", json::object());
        if (term.value("reason", "") != "OOMKilled") continue;
        json kept_term{{"reason", "OOMKilled"}, {"finishedAt", term.value("finishedAt", "")}};
        if (term.contains("containerID")) kept_term["containerID"] = term["containerID"];  // the ledger's key
        entry[which] = {{"terminated", std::move(kept_term)}};
      }
      if (entry.empty()) continue;
      entry["name"] = c.value("name", "");
      kept.push_back(std::move(entry));
    }
    if (!kept.empty()) status[list] = kept;
  }
  json spec = json::object();
  if (p.value("spec", json::object()).contains("nodeName")) spec["nodeName"] = p["spec"]["nodeName"];
  return {{"metadata", TrimMeta(p)}, {"spec", spec}, {"status", status}};
}

bool SelectorMatches(const json& selector, const json& labels) {
  const json ml = selector.value("matchLabels", json::object());
  const json me = selector.value("matchExpressions", json::array());
  if (ml.empty() && me.empty()) return false;
  for (const auto& [k, v] : ml.items()) {
    if (!labels.contains(k) || labels[k] != v) return false;
  }
  for (const auto& e : me) {
    const std::string key = e.value("key", "");
    const std::string op = e.value("operator", "");
    const bool has = labels.contains(key);
    bool in = false;
    if (has) {
      for (const auto& v : e.value("values", json::array())) in |= labels[key] == v;
    }
    if (op == "In" && !in) return false;
    if (op == "NotIn" && in) return false;
    if (op == "Exists" && !has) return false;
    if (op == "DoesNotExist" && has) return false;
    if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") return false;
  }
  return true;
}

ClusterCache::ClusterCache(const k8s::KubeClient& client, std::string ns, std::chrono::milliseconds metrics_ttl,
                           OperatorMetrics* metrics)
    : client_(client), ns_(std::move(ns)), metrics_ttl_(metrics_ttl), op_metrics_(metrics) {}

ClusterCache::~ClusterCache() { Stop(); }

void ClusterCache::Start() {
  deployment_watcher_ = std::make_unique<k8s::Watcher>(client_, k8s::Deployments(), ns_);
  pod_watcher_ = std::make_unique<k8s::Watcher>(client_, k8s::Pods(), ns_);
  threads_.emplace_back([this] { Run(deployment_watcher_.get(), "deployments", &deployments_, &deployments_synced_, &TrimDeployment); });
  threads_.emplace_back([this] { Run(pod_watcher_.get(), "pods", &pods_, &pods_synced_, &TrimPod); });
  hpa_watcher_ = std::make_unique<k8s::Watcher>(client_, k8s::HorizontalPodAutoscalers(), ns_);
  threads_.emplace_back([this] {
    Run(hpa_watcher_.get(), "horizontalpodautoscalers", &hpas_, &hpas_synced_, &TrimHpa);
  });
}

void ClusterCache::Stop() {
  if (deployment_watcher_) deployment_watcher_->Stop();
  if (pod_watcher_) pod_watcher_->Stop();
  if (hpa_watcher_) hpa_watcher_->Stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ClusterCache::Run(k8s::Watcher* w, const std::string& resource, Store* store, std::atomic<bool>* synced,
                       json (*trim)(const json&)) {
  w->Run(
      [&](const k8s::WatchEvent& ev) {
        std::unique_lock<std::shared_mutex> lock(mu_);
        switch (ev.type) {
          case k8s::WatchEvent::Type::kRestarted:
            if (store == &hpas_) {
              std::lock_guard<std::mutex> status_lock(hpa_status_mu_);
              hpa_status_ = Status::Ok();
            }
            store->clear();
            for (const auto& o : ev.objects) (*store)[KeyOf(o)] = trim(o);
            *synced = true;
            if (op_metrics_ != nullptr) op_metrics_->WatchListed(resource);
            break;
          case k8s::WatchEvent::Type::kApplied:
            (*store)[KeyOf(ev.object)] = trim(ev.object);
            break;
          case k8s::WatchEvent::Type::kDeleted:
            store->erase(KeyOf(ev.object));
            break;
        }
      },
      [&](const Status& s) {
        if (op_metrics_ != nullptr) op_metrics_->WatchError(resource, k8s::IsGone(s));
        if (store == &hpas_ && (s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kNotFound)) {
          // An operator deployed without the HPA rule, or an old server: say so once, not every retry.
          std::lock_guard<std::mutex> status_lock(hpa_status_mu_);
          const bool first = hpa_status_.ok();
          hpa_status_ = s;
          if (!first) return;
        }
        LogWarn("cache watch failed; retrying with back-off", {{"resource", resource}, {"error", s.ToString()}});
      });
}

StatusOr<json> ClusterCache::GetDeployment(const std::string& ns, const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = deployments_.find(ns + "/" + name);
  if (it == deployments_.end()) return NotFoundError("deployments.apps \"" + name + "\" not found in namespace " + ns);
  return it->second;
}

std::vector<json> ClusterCache::ListPods(const std::string& ns, const json& selector) const {
  std::vector<json> out;
  const std::string prefix = ns + "/";
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (auto it = pods_.lower_bound(prefix); it != pods_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (SelectorMatches(selector, it->second["metadata"].value("labels", json::object()))) out.push_back(it->second);
  }
  return out;
}

Status ClusterCache::HpasUnavailable() const {
  std::lock_guard<std::mutex> lock(hpa_status_mu_);
  return hpa_status_;
}

std::vector<json> ClusterCache::ListHpas(const std::string& ns) const {
  std::vector<json> out;
  const std::string prefix = ns + "/";
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (auto it = hpas_.lower_bound(prefix); it != hpas_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

StatusOr<std::shared_ptr<const ClusterCache::PodMetricsByName>> ClusterCache::PodMetrics(const std::string& ns) {
  MetricsEntry* e;
  {
    std::lock_guard<std::mutex> lock(metrics_mu_);
    auto& slot = metrics_[ns];
    if (!slot) slot = std::make_unique<MetricsEntry>();
    e = slot.get();
  }
  std::lock_guard<std::mutex> lock(e->mu);
  const auto now = std::chrono::steady_clock::now();
  if (e->fetched == std::chrono::steady_clock::time_point{} || now - e->fetched >= metrics_ttl_ || !e->value.ok()) {
    auto list = client_.Get("/apis/metrics.k8s.io/v1beta1/namespaces/" + ns + "/pods");
    if (list.ok()) {
      auto by_name = std::make_shared<PodMetricsByName>();
      const json& l = *list;
      if (l.contains("items") && l["items"].is_array()) {
        for (const auto& item : l["items"]) {
          if (!item.is_object() || !item.contains("metadata") || !item["metadata"].is_object()) continue;
          by_name->emplace(item["metadata"].value("name", ""), item);
        }
      }
      e->value = std::shared_ptr<const PodMetricsByName>(std::move(by_name));
    } else {
      e->value = list.status();
    }
    e->fetched = now;
  }
  return e->value;
}

}  // namespace podpilot::op
