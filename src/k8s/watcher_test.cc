// The Watcher's state machine through protocol corner cases that a real API server produces only
// rarely or not on demand: a paginated list, a watch line cut across chunks, bookmarks moving the
// resourceVersion, 410 both as an ERROR event inside a 200 stream and as an HTTP answer, a stream
// the server ends normally, and an idle open stream stopped from another thread. The server is a
// local cpp-httplib one scripted per request; the real control plane is exercised in
// integration/k8s_integration_test.cc.
#include "k8s/watcher.h"

#include "k8s/api_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace podpilot::k8s {
namespace {

using nlohmann::json;

json Obj(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}
std::string Line(const std::string& type, const json& obj) { return json{{"type", type}, {"object", obj}}.dump() + "\n"; }

// A scripted API server for one Deployment collection.
class FakeApiServer {
 public:
  FakeApiServer() {
    server_.Get("/apis/apps/v1/namespaces/ns/deployments", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.has_param("watch")) {
        Watch(req, res);
      } else {
        List(req, res);
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeApiServer() {
    release_ = true;
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> watch_versions() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_versions_;
  }
  std::vector<std::string> watch_params() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_params_;
  }
  bool holding() const { return holding_.load(); }

 private:
  void List(const httplib::Request& req, httplib::Response& res) {
    const int n = ++lists_;
    const std::string rv = std::to_string(100 * n);
    json page = {{"kind", "DeploymentList"}, {"apiVersion", "apps/v1"}};
    if (req.get_param_value("continue").empty()) {
      page["items"] = json::array({Obj("a", "1")});
      page["metadata"] = {{"resourceVersion", rv}, {"continue", "tok"}};
      --lists_;  // a list counts once, on its last page
    } else {
      page["items"] = n == 1 ? json::array({Obj("b", "2")}) : json::array({Obj("b", "2"), Obj("c", "101")});
      page["metadata"] = {{"resourceVersion", rv}};
    }
    res.set_content(page.dump(), "application/json");
  }

  void Watch(const httplib::Request& req, httplib::Response& res) {
    const std::string rv = req.get_param_value("resourceVersion");
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch_versions_.push_back(rv);
      watch_params_.push_back(req.get_param_value("allowWatchBookmarks") + "," +
                              (req.has_param("timeoutSeconds") ? "timeout" : "no-timeout"));
    }
    std::string body;
    if (rv == "100") {
      // ADDED, a bookmark, then the window moved on: ERROR 410 inside the 200 stream.
      body = Line("ADDED", Obj("c", "101")) + Line("BOOKMARK", Obj("", "150")) +
             Line("ERROR", {{"kind", "Status"}, {"status", "Failure"}, {"message", "too old resource version: 100 (180)"},
                            {"reason", "Expired"}, {"code", 410}});
    } else if (rv == "200") {
      res.status = 410;
      res.set_content(json{{"kind", "Status"}, {"status", "Failure"}, {"message", "resourceVersion 200 is gone"},
                           {"reason", "Gone"}, {"code", 410}}.dump(),
                      "application/json");
      return;
    } else if (rv == "300") {
      body = Line("MODIFIED", Obj("c", "301")) + Line("BOOKMARK", Obj("", "350"));  // then a normal end
    } else if (rv == "350") {
      // DELETED, then an idle stream held open until the client goes away.
      res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink& sink) {
        const std::string line = Line("DELETED", Obj("c", "351"));
        // Cut the line across two chunks: the client must reassemble it.
        sink.write(line.data(), 10);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        sink.write(line.data() + 10, line.size() - 10);
        holding_ = true;
        while (!release_.load() && sink.is_writable()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        sink.done();
        return true;
      });
      return;
    }
    res.set_content(body, "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> lists_{0};
  std::atomic<bool> release_{false};
  std::atomic<bool> holding_{false};
  std::mutex mu_;
  std::vector<std::string> watch_versions_;
  std::vector<std::string> watch_params_;
};

std::string Describe(const WatchEvent& e) {
  std::string s = WatchEventTypeName(e.type);
  if (e.type == WatchEvent::Type::kRestarted) {
    s += "(";
    for (const auto& o : e.objects) s += o["metadata"]["name"].get<std::string>();
    return s + ")";
  }
  return s + "(" + e.object["metadata"]["name"].get<std::string>() + ")";
}

TEST(WatcherProtocolTest, ListsWatchesFollowsBookmarksRelistsOnGoneAndStops) {
  FakeApiServer server;
  KubeConfig cfg;
  cfg.server = server.url();
  auto client = KubeClient::Create(cfg);
  ASSERT_TRUE(client.ok());
  WatcherOptions opts;
  opts.list_page_size = 1;
  opts.backoff = BackoffOptions{std::chrono::milliseconds(10), 2.0, std::chrono::milliseconds(100), 1.0};
  opts.seed = 1;
  Watcher watcher(*client, Deployments(), "ns", opts);

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> events;
  std::vector<Status> errors;
  std::thread runner([&] {
    watcher.Run(
        [&](const WatchEvent& e) {
          std::lock_guard<std::mutex> lock(mu);
          events.push_back(Describe(e));
          if (e.type == WatchEvent::Type::kRestarted) {
            EXPECT_EQ(e.objects[0].value("kind", ""), "Deployment");
          }
          cv.notify_all();
        },
        [&](const Status& s) {
          std::lock_guard<std::mutex> lock(mu);
          errors.push_back(s);
        });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return events.size() >= 6; }))
        << ::testing::PrintToString(events);
  }
  while (!server.holding()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // The stream is open and idle now; Stop must end it (libcurl's progress callback).
  EXPECT_EQ(watcher.state(), Watcher::State::kWatching);
  EXPECT_EQ(watcher.resource_version(), "351");
  watcher.Stop();
  runner.join();

  EXPECT_EQ(events, (std::vector<std::string>{"Restarted(ab)", "Applied(c)", "Restarted(abc)", "Restarted(abc)",
                                              "Applied(c)", "Deleted(c)"}));
  // 100: from the first list; 200 after the ERROR-410 relist; 300 after the HTTP-410 relist; 350
  // from the bookmark when the server ended the stream normally (no relist).
  EXPECT_EQ(server.watch_versions(), (std::vector<std::string>{"100", "200", "300", "350"}));
  for (const auto& p : server.watch_params()) EXPECT_EQ(p, "true,timeout");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_TRUE(IsGone(errors[0])) << errors[0].ToString();
  EXPECT_THAT(errors[0].message(), ::testing::HasSubstr("too old resource version"));
  EXPECT_TRUE(IsGone(errors[1])) << errors[1].ToString();
  EXPECT_EQ(watcher.lists(), 3);
}

TEST(WatcherProtocolTest, StepByStepStates) {
  FakeApiServer server;
  KubeConfig cfg;
  cfg.server = server.url();
  Watcher watcher(*KubeClient::Create(cfg), Deployments(), "ns");
  std::vector<std::string> events;
  auto on_event = [&](const WatchEvent& e) { events.push_back(Describe(e)); };
  EXPECT_EQ(watcher.state(), Watcher::State::kEmpty);
  ASSERT_TRUE(watcher.Step(on_event).ok());
  EXPECT_EQ(watcher.state(), Watcher::State::kInitListed);
  EXPECT_EQ(watcher.resource_version(), "100");
  const Status gone = watcher.Step(on_event);
  EXPECT_TRUE(IsGone(gone)) << gone.ToString();
  EXPECT_EQ(watcher.state(), Watcher::State::kEmpty);
  EXPECT_EQ(events, (std::vector<std::string>{"Restarted(ab)", "Applied(c)"}));
}

}  // namespace
}  // namespace podpilot::k8s
