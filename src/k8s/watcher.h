// List-then-watch of one resource type, shaped like kube-rs' `watcher`: a state machine
//
//   kEmpty --list ok--> kInitListed --watch connected--> kWatching --stream ends--> (watch again)
//     ^                                                        |
//     +---------------- 410 Gone (HTTP or ERROR event) --------+
//
// that turns the API's list and watch responses into three events:
//   kApplied(obj)         an object was added or modified (ADDED / MODIFIED)
//   kDeleted(obj)         an object was deleted (its last state)
//   kRestarted(objects)   a (re)list: the complete current set; the consumer replaces its cache
// Every list starts with a kRestarted, so a consumer that rebuilds its view on kRestarted and
// applies the other two never misses a change, whatever happened to the connection.
//
// Protocol details (as client-go's reflector does them):
//  * The list is paginated (limit/continue) and its metadata.resourceVersion is where the watch
//    starts; watches ask for allowWatchBookmarks=true and BOOKMARK events only move that
//    resourceVersion forward, so a reconnect does not replay or miss events.
//  * Each watch asks the server to end it after a random 5-10 min (timeoutSeconds); the watcher
//    then reconnects from the last resourceVersion without relisting.
//  * 410 Gone (the resourceVersion fell out of etcd's / the watch cache's window) -> relist at
//    once (backing off only if relisting itself keeps failing).
//  * Any other failure (connection refused, TLS, 5xx, 429 with Retry-After, a bad line, a watch
//    that ends within a second without any event) ->
//    jittered exponential back-off (Backoff, client-go's 0.8 s x2 up to 30 s), reset after a
//    successful list or a watch that delivered something. Retry-After is honoured when longer.
//
// Thread-safety: Run (or Step) from one thread; Stop, state() and resource_version() from any.
// Stop is honoured within about a second: a waiting back-off wakes at once, and an open stream is
// aborted by libcurl's progress callback, which runs about once a second even when idle.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "k8s/backoff.h"
#include "k8s/kube_client.h"
#include "k8s/resources.h"

namespace podpilot::k8s {

struct WatchEvent {
  enum class Type { kApplied, kDeleted, kRestarted };
  Type type = Type::kApplied;
  nlohmann::json object;                 // kApplied, kDeleted
  std::vector<nlohmann::json> objects;   // kRestarted
  std::string watch_type;                // the API's event type (ADDED, MODIFIED, DELETED); "" for kRestarted
};

const char* WatchEventTypeName(WatchEvent::Type type);

struct WatcherOptions {
  std::string label_selector;
  std::string field_selector;
  // "" (the default): start with a list. Otherwise start by watching from this resourceVersion
  // without listing (resuming, or forcing the 410 path in tests: a version older than the
  // server's window is answered with 410 Gone and the watcher relists).
  std::string initial_resource_version;
  int list_page_size = 500;
  // Each watch asks the server to end after a random duration in [min, 2*min).
  std::chrono::seconds min_watch_timeout{300};
  BackoffOptions backoff;
  uint64_t seed = 0;  // for the back-off jitter and watch timeouts; 0: random
};

class Watcher {
 public:
  enum class State { kEmpty, kInitListed, kWatching };

  // Watches `type` in namespace `ns` ("" = all namespaces, for namespaced types).
  Watcher(KubeClient client, ResourceType type, std::string ns, WatcherOptions options = {});

  using EventHandler = std::function<void(const WatchEvent&)>;
  using ErrorHandler = std::function<void(const Status&)>;

  // Loops Step until Stop(), handling every error as described above; each one is reported to
  // on_error (if set) for logging. on_event / on_error run on this thread and must not throw.
  void Run(const EventHandler& on_event, const ErrorHandler& on_error = nullptr);

  // One transition: in kEmpty a full (paginated) list -> kRestarted, kInitListed; otherwise one
  // watch connection, delivering its events until the server ends it (OK) or it fails (the
  // error; a 410 also resets the state to kEmpty). No back-off or retry here.
  Status Step(const EventHandler& on_event);

  // Asks Run / a running Step to return soon. Thread-safe; idempotent.
  void Stop();
  bool stopped() const { return stop_.load(); }

  State state() const;
  std::string resource_version() const;
  int lists() const { return lists_.load(); }  // completed lists (1 + relists)

 private:
  Status List(const EventHandler& on_event);
  Status Watch(const EventHandler& on_event);
  // Handles one watch line; false (with *error set) ends the stream.
  bool OnLine(std::string_view line, const EventHandler& on_event, Status* error, bool* delivered);
  void SetState(State s, const std::string& rv);
  // Sleeps up to `d` unless stopped first.
  void Sleep(std::chrono::milliseconds d);

  KubeClient client_;
  ResourceType type_;
  std::string ns_;
  WatcherOptions options_;
  Backoff backoff_;
  uint64_t timeout_rng_;

  mutable std::mutex mu_;
  std::condition_variable cv_;          // wakes Sleep on Stop
  State state_ = State::kEmpty;         // guarded by mu_
  std::string resource_version_;        // guarded by mu_
  std::atomic<bool> stop_{false};
  std::atomic<int> lists_{0};
};

}  // namespace podpilot::k8s
