// KubeClient, the typed helpers and the Watcher without an API server: option validation, paths,
// transport failures on real loopback sockets (refused, never answered), stopping a stream and a
// backing-off watcher from another thread, RetryOnConflict. The API itself is exercised against a
// real control plane in integration/k8s_integration_test.cc.
#include "k8s/kube_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "k8s/resources.h"
#include "k8s/watcher.h"

namespace podpilot::k8s {
namespace {

using ::testing::HasSubstr;

// A loopback port: with listen=false connections are refused; with listen=true the kernel
// completes them but nobody ever answers (a hung server).
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || (listen && ::listen(fd_, 16) != 0)) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

KubeClient MakeClient(const std::string& server, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  KubeConfig cfg;
  cfg.server = server;
  cfg.token = "secret-token-value";
  ClientOptions o;
  o.timeout = timeout;
  o.connect_timeout = std::chrono::seconds(2);
  auto c = KubeClient::Create(cfg, o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

TEST(KubeClientTest, CreateValidates) {
  KubeConfig cfg;
  cfg.server = "ftp://x";
  EXPECT_EQ(KubeClient::Create(cfg).status().code(), StatusCode::kInvalidArgument);
  cfg.server = "https://127.0.0.1:1/";
  ClientOptions o;
  o.timeout = std::chrono::milliseconds(0);
  auto bad = KubeClient::Create(cfg, o);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("timeout must be > 0"));
  auto ok = KubeClient::Create(cfg);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->server(), "https://127.0.0.1:1");
}

TEST(KubeClientTest, RefusedConnectionIsUnavailableAndNamesTheUrl) {
  LoopbackSocket closed(/*listen=*/false);
  ASSERT_NE(closed.port(), 0);
  const std::string server = "https://127.0.0.1:" + std::to_string(closed.port());
  auto r = MakeClient(server).Get("/api/v1/namespaces");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("GET " + server + "/api/v1/namespaces"));
  EXPECT_THAT(r.status().message(), HasSubstr("could not connect"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("secret-token-value")));
}

TEST(KubeClientTest, HungServerTimesOut) {
  LoopbackSocket hung(/*listen=*/true);
  auto r = MakeClient("https://127.0.0.1:" + std::to_string(hung.port()), std::chrono::milliseconds(500)).Get("/version");
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
}

TEST(KubeClientTest, StreamStopsFromAnotherThreadOnAnIdleConnection) {
  LoopbackSocket hung(/*listen=*/true);
  const KubeClient client = MakeClient("http://127.0.0.1:" + std::to_string(hung.port()));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  // Without the stop this would wait for max_duration (an hour).
  const Status s = client.Stream("/api/v1/pods?watch=true", [](std::string_view) { return true; }, &stop,
                                 std::chrono::hours(1));
  stopper.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(KubeClientTest, PatchChecksItsArguments) {
  const KubeClient client = MakeClient("https://127.0.0.1:1");
  EXPECT_EQ(client.Patch("/x", PatchType::kApply, {{"a", 1}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Patch("/x", PatchType::kJsonPatch, {{"a", 1}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ResourcesTest, Paths) {
  EXPECT_EQ(Deployments().Path("shop", "web", "scale"), "/apis/apps/v1/namespaces/shop/deployments/web/scale");
  EXPECT_EQ(Deployments().Path(""), "/apis/apps/v1/deployments");
  EXPECT_EQ(Pods().Path("shop"), "/api/v1/namespaces/shop/pods");
  EXPECT_EQ(Namespaces().Path("ignored", "shop"), "/api/v1/namespaces/shop");
  EXPECT_EQ(Leases().Path("podpilot-system", "leader"), "/apis/coordination.k8s.io/v1/namespaces/podpilot-system/leases/leader");
  EXPECT_EQ(PodPilotAutoscalers().Path("shop", "web", "status"),
            "/apis/autoscaling.podpilot.dev/v1alpha1/namespaces/shop/podpilotautoscalers/web/status");
  EXPECT_EQ(PodPilotAutoscalers().ApiVersion(), "autoscaling.podpilot.dev/v1alpha1");
  EXPECT_EQ(Pods().ApiVersion(), "v1");
  EXPECT_EQ(QueryString({{"labelSelector", "app=web,tier in (a,b)"}, {"empty", ""}, {"limit", "5"}}),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=5");
  EXPECT_EQ(QueryString({{"empty", ""}}), "");
}

TEST(ResourcesTest, Times) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1'767'000'000'123'456LL));
  EXPECT_EQ(FormatTime(t), "2025-12-29T09:20:00Z");
  EXPECT_EQ(FormatMicroTime(t), "2025-12-29T09:20:00.123456Z");
}

TEST(ResourcesTest, HelpersRejectBadInputWithoutCallingTheServer) {
  const KubeClient client = MakeClient("https://127.0.0.1:1");
  EXPECT_EQ(UpdateScale(client, "ns", "web", -1, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UpdateLease(client, "ns", {{"metadata", {{"name", "l"}}}}).status().code(), StatusCode::kInvalidArgument);
  EventSpec ev;
  ev.reason = "R";
  EXPECT_EQ(CreateEvent(client, ev).status().code(), StatusCode::kInvalidArgument);
  ev.involved_object = {{"kind", "Deployment"}, {"metadata", {{"name", "web"}, {"namespace", "shop"}}}};
  ev.type = "Info";
  EXPECT_THAT(CreateEvent(client, ev).status().message(), HasSubstr("Normal or Warning"));
}

TEST(RetryOnConflictTest, RetriesOnlyConflicts) {
  RetryOptions fast;
  fast.backoff.initial = fast.backoff.max = std::chrono::milliseconds(1);
  int calls = 0;
  Status s = RetryOnConflict([&] { return ++calls < 3 ? AbortedError("conflict") : Status::Ok(); }, fast);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);

  calls = 0;
  s = RetryOnConflict([&] { ++calls; return AbortedError("conflict"); }, fast);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(calls, 5);  // client-go's DefaultRetry steps

  calls = 0;
  s = RetryOnConflict([&] { ++calls; return NotFoundError("gone"); }, fast);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
}

TEST(WatcherTest, BacksOffOnAnUnreachableServerAndStopsFromAnotherThread) {
  LoopbackSocket closed(/*listen=*/false);
  const std::string server = "https://127.0.0.1:" + std::to_string(closed.port());
  WatcherOptions opts;
  opts.backoff = BackoffOptions{std::chrono::milliseconds(20), 2.0, std::chrono::milliseconds(200), 1.0};
  opts.seed = 3;
  Watcher watcher(MakeClient(server), Deployments(), "shop", opts);
  std::atomic<int> errors{0};
  std::atomic<bool> named_url{true};
  std::atomic<int> events{0};
  std::thread runner([&] {
    watcher.Run([&](const WatchEvent&) { ++events; },
                [&](const Status& s) {
                  if (s.code() != StatusCode::kUnavailable || s.message().find(server) == std::string::npos) named_url = false;
                  ++errors;
                });
  });
  while (errors.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  watcher.Stop();
  runner.join();
  EXPECT_TRUE(named_url.load());
  EXPECT_EQ(events.load(), 0);
  EXPECT_EQ(watcher.state(), Watcher::State::kEmpty);  // never listed
  EXPECT_EQ(watcher.lists(), 0);
}

TEST(WatcherTest, AStoppedWatcherDoesNotRun) {
  Watcher watcher(MakeClient("https://127.0.0.1:1"), Pods(), "");
  watcher.Stop();
  int calls = 0;
  watcher.Run([&](const WatchEvent&) { ++calls; }, [&](const Status&) { ++calls; });
  EXPECT_EQ(calls, 0);
  WatcherOptions resume;
  resume.initial_resource_version = "42";
  Watcher resumed(MakeClient("https://127.0.0.1:1"), Pods(), "", resume);
  EXPECT_EQ(resumed.state(), Watcher::State::kInitListed);
  EXPECT_EQ(resumed.resource_version(), "42");
}

}  // namespace
}  // namespace podpilot::k8s
