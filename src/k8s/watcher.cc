#include "k8s/watcher.h"

#include <fmt/format.h>

#include <random>

#include "k8s/api_status.h"

namespace podpilot::k8s {

using nlohmann::json;

const char* WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kApplied: return "Applied";
    case WatchEvent::Type::kDeleted: return "Deleted";
    case WatchEvent::Type::kRestarted: return "Restarted";
  }
  return "?";
}

Watcher::Watcher(KubeClient client, ResourceType type, std::string ns, WatcherOptions options)
    : client_(std::move(client)),
      type_(std::move(type)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      backoff_(options_.backoff, options_.seed),
      timeout_rng_(options_.seed != 0 ? options_.seed * 0x9E3779B97F4A7C15ull : std::random_device{}()) {
  if (!options_.initial_resource_version.empty()) {
    state_ = State::kInitListed;
    resource_version_ = options_.initial_resource_version;
  }
}

Watcher::State Watcher::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string Watcher::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

void Watcher::SetState(State s, const std::string& rv) {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = s;
  resource_version_ = rv;
}

void Watcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
}

void Watcher::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void Watcher::Run(const EventHandler& on_event, const ErrorHandler& on_error) {
  int failures_in_a_row = 0;
  while (!stop_.load()) {
    const Status s = Step(on_event);
    if (stop_.load()) break;
    if (s.ok()) {
      failures_in_a_row = 0;
      continue;
    }
    if (on_error) on_error(s);
    ++failures_in_a_row;
    // A first 410 relists at once: the data is not lost, only our bookmark is.
    if (IsGone(s) && failures_in_a_row == 1) continue;
    auto delay = backoff_.Next();
    if (auto hint = RetryAfterHint(s); hint && *hint > delay) delay = std::chrono::duration_cast<std::chrono::milliseconds>(*hint);
    Sleep(delay);
  }
}

Status Watcher::Step(const EventHandler& on_event) {
  if (state() == State::kEmpty) return List(on_event);
  return Watch(on_event);
}

Status Watcher::List(const EventHandler& on_event) {
  WatchEvent restarted;
  restarted.type = WatchEvent::Type::kRestarted;
  std::string cont;
  std::string rv;
  do {
    const std::string path = type_.Path(ns_) + QueryString({{"labelSelector", options_.label_selector},
                                                            {"fieldSelector", options_.field_selector},
                                                            {"limit", std::to_string(options_.list_page_size)},
                                                            {"continue", cont}});
    auto page = client_.Get(path);
    // A 410 here is an expired continue token: the next Step starts the list again.
    if (!page.ok()) return page.status();
    if (!page->contains("items") || !(*page)["items"].is_array()) {
      return DataLossError(fmt::format("list {}: answer has no items array", client_.server() + path));
    }
    // Items of a list carry no apiVersion/kind; fill them in so consumers see whole objects, as
    // they do in watch events.
    std::string kind = page->value("kind", "");
    if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
    for (auto& item : (*page)["items"]) {
      if (item.is_object() && !kind.empty()) {
        item["kind"] = kind;
        item["apiVersion"] = type_.ApiVersion();
      }
      restarted.objects.push_back(std::move(item));
    }
    const json meta = page->value("metadata", json::object());
    rv = meta.value("resourceVersion", "");
    cont = meta.value("continue", "");
  } while (!cont.empty() && !stop_.load());
  if (stop_.load()) return Status::Ok();
  SetState(State::kInitListed, rv);
  lists_.fetch_add(1);
  backoff_.Reset();
  on_event(restarted);
  return Status::Ok();
}

bool Watcher::OnLine(std::string_view line, const EventHandler& on_event, Status* error, bool* delivered) {
  const json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("type") || !j.contains("object")) {
    *error = DataLossError(fmt::format("watch {}: not a watch event: {}", client_.server() + type_.Path(ns_),
                                       std::string(line.substr(0, 200))));
    return false;
  }
  const std::string type = j["type"].is_string() ? j["type"].get<std::string>() : "";
  const json& obj = j["object"];
  if (type == "ERROR") {
    // The object is a metav1.Status; 410 means our resourceVersion is too old.
    const long code = obj.value("code", 0L);
    *error = ApiErrorStatus(code, obj.dump(), "watch " + client_.server() + type_.Path(ns_) + " (ERROR event)");
    if (code == 410 || obj.value("reason", "") == "Expired" || obj.value("reason", "") == "Gone") {
      *error = Status(StatusCode::kOutOfRange, error->message());
    }
    return false;
  }
  const std::string rv = obj.contains("metadata") ? obj["metadata"].value("resourceVersion", "") : "";
  if (type == "BOOKMARK") {
    if (!rv.empty()) SetState(State::kWatching, rv);
    return true;
  }
  WatchEvent ev;
  if (type == "ADDED" || type == "MODIFIED") {
    ev.type = WatchEvent::Type::kApplied;
  } else if (type == "DELETED") {
    ev.type = WatchEvent::Type::kDeleted;
  } else {
    *error = DataLossError(fmt::format("watch {}: unknown event type \"{}\"", client_.server() + type_.Path(ns_), type));
    return false;
  }
  ev.object = obj;
  ev.watch_type = type;
  SetState(State::kWatching, rv.empty() ? resource_version() : rv);
  *delivered = true;
  on_event(ev);
  return !stop_.load();
}

Status Watcher::Watch(const EventHandler& on_event) {
  const std::string rv = resource_version();
  std::mt19937_64 rng(timeout_rng_++);
  const auto min = std::max<int64_t>(options_.min_watch_timeout.count(), 1);
  const int64_t timeout_s = std::uniform_int_distribution<int64_t>(min, 2 * min - 1)(rng);
  const std::string path = type_.Path(ns_) + QueryString({{"watch", "true"},
                                                          {"allowWatchBookmarks", "true"},
                                                          {"resourceVersion", rv},
                                                          {"timeoutSeconds", std::to_string(timeout_s)},
                                                          {"labelSelector", options_.label_selector},
                                                          {"fieldSelector", options_.field_selector}});
  Status line_error;
  bool delivered = false;
  const auto started = std::chrono::steady_clock::now();
  const Status s = client_.Stream(
      path, [&](std::string_view line) { return OnLine(line, on_event, &line_error, &delivered); }, &stop_,
      std::chrono::seconds(timeout_s + 30));
  if (delivered) backoff_.Reset();
  Status result = !line_error.ok() ? line_error : s;
  if (IsGone(result)) {
    SetState(State::kEmpty, "");
    return result;
  }
  if (result.ok() && state() == State::kInitListed) SetState(State::kWatching, rv);
  // A stream that ends at once with nothing in it (a proxy cutting connections, a server
  // shutting down) would otherwise be reopened in a tight loop; as client-go's reflector does
  // with a "very short watch", treat it as a failure so Run backs off.
  if (result.ok() && !delivered && !stop_.load() && std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) {
    return UnavailableError(fmt::format("watch {}: very short watch (ended within 1 s without an event)",
                                        client_.server() + type_.Path(ns_)));
  }
  return result;
}

}  // namespace podpilot::k8s
