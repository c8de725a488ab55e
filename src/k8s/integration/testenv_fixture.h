// Test support for the k8s integration test: a fixture that brings up the real control plane of
// scripts/testenv once per suite (or reuses one named by PODPILOT_TESTENV_ENV), admin and
// operator clients, and a thread-safe log of watcher events. Header-only: the integration test is
// its own binary (see ../CMakeLists.txt).
//
// Cleanup: TearDownTestSuite deletes the suite's namespace and Lease and runs `scripts/testenv
// down` for an environment it started. A test process killed before that (ctest's timeout)
// leaves the environment running in /tmp/k8s-it.*/env; `scripts/testenv down --dir` stops it.
//
// Thread-safety: the fixture's statics are set up and torn down on the main thread; EventLog is
// safe from any thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "k8s/api_status.h"
#include "k8s/kube_client.h"
#include "k8s/kube_config.h"
#include "k8s/resources.h"
#include "k8s/watcher.h"

namespace podpilot::k8s::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

inline std::string SourceDir() {
  const char* s = std::getenv("PODPILOT_SOURCE_DIR");
  return s != nullptr ? s : fs::current_path().string();
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses the `export NAME=VALUE` lines of a testenv env file (values written by printf %q: plain
// paths and URLs, with backslash escapes at most).
inline std::map<std::string, std::string> ParseEnvFile(const std::string& path) {
  std::map<std::string, std::string> vars;
  std::istringstream in(ReadAll(path));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("export ", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value;
    const std::string raw = line.substr(eq + 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      value += raw[i];
    }
    vars[line.substr(7, eq - 7)] = value;
  }
  return vars;
}


class K8sIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto t0 = Clock::now();
    std::string env_file;
    if (const char* e = std::getenv("PODPILOT_TESTENV_ENV"); e != nullptr && *e != '\0') {
      env_file = e;
    } else {
      std::string tmpl = (fs::temp_directory_path() / "k8s-it.XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr) {
        setup_error_ = "mkdtemp failed";
        return;
      }
      tmp_root_ = tmpl;
      env_dir_ = tmp_root_ + "/env";
      const std::string log = tmp_root_ + "/up.log";
      const std::string cmd = "timeout 300 '" + SourceDir() + "/scripts/testenv' up --dir '" + env_dir_ + "' >'" + log + "' 2>&1";
      const int rc = std::system(cmd.c_str());
      const std::string out = ReadAll(log);
      if (rc != 0) {
        if (out.find("not built") != std::string::npos) {
          skip_reason_ = "testenv binaries are not built (run scripts/testenv build): " + out.substr(0, 400);
        } else {
          setup_error_ = "scripts/testenv up failed (rc " + std::to_string(rc) + "):\n" + out;
        }
        return;
      }
      started_ = true;
      env_file = env_dir_ + "/env";
    }
    env_ = new std::map<std::string, std::string>(ParseEnvFile(env_file));
    up_seconds_ = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("[testenv] %s in %.1f s (%s)\n", started_ ? "up" : "reused", up_seconds_, env_file.c_str());

    auto admin_cfg = LoadKubeconfig(Env("PODPILOT_TESTENV_ADMIN_KUBECONFIG"));
    if (!admin_cfg.ok()) {
      setup_error_ = admin_cfg.status().ToString();
      return;
    }
    auto admin = KubeClient::Create(*admin_cfg);
    if (!admin.ok()) {
      setup_error_ = admin.status().ToString();
      return;
    }
    admin_ = new KubeClient(std::move(admin).value());
    ns_ = "k8s-it-" + std::to_string(::getpid());
    auto created = admin_->Post(Namespaces().Path(""), {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
    if (!created.ok()) setup_error_ = created.status().ToString();
  }

  static void TearDownTestSuite() {
    if (admin_ != nullptr) {
      (void)admin_->Delete(Namespaces().Path("", ns_));
      (void)admin_->Delete(Leases().Path("podpilot-system", LeaseName()));
    }
    delete admin_;
    admin_ = nullptr;
    if (!started_ && !tmp_root_.empty()) {
      // `up` failed or the binaries are missing: nothing runs (up tears down after itself);
      // the failure's output is in the test's message.
      std::error_code ec;
      fs::remove_all(tmp_root_, ec);
    }
    if (started_) {
      const auto t0 = Clock::now();
      const std::string cmd = "timeout 120 '" + SourceDir() + "/scripts/testenv' down --dir '" + env_dir_ + "' >'" + tmp_root_ + "/down.log' 2>&1";
      const int rc = std::system(cmd.c_str());
      std::printf("[testenv] down rc=%d in %.1f s\n", rc, std::chrono::duration<double>(Clock::now() - t0).count());
      std::error_code ec;
      if (rc == 0) fs::remove_all(tmp_root_, ec);
    }
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_EQ(setup_error_, "");
  }

  static std::string Env(const std::string& name) {
    if (env_ == nullptr) return "";
    auto it = env_->find(name);
    return it == env_->end() ? "" : it->second;
  }
  static std::string LeaseName() { return "k8s-it-leader-" + std::to_string(::getpid()); }

  static KubeClient Operator() {
    auto cfg = LoadKubeconfig(Env("PODPILOT_TESTENV_OPERATOR_KUBECONFIG"));
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    auto c = KubeClient::Create(*cfg);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  static json DeploymentObject(const std::string& name, int replicas) {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}, {"labels", {{"app", name}, {"suite", "k8s-it"}}}}},
            {"spec",
             {{"replicas", replicas},
              {"selector", {{"matchLabels", {{"app", name}}}}},
              {"template",
               {{"metadata", {{"labels", {{"app", name}}}}},
                {"spec", {{"containers", json::array({{{"name", "main"}, {"image", "registry.invalid/web:1"}}})}}}}}}}};
  }

  // Creates Deployment `name` (replicas 1) in the suite's namespace unless it exists.
  static void EnsureDeployment(const std::string& name) {
    auto r = admin_->Post(Deployments().Path(ns_), DeploymentObject(name, 1));
    ASSERT_TRUE(r.ok() || IsAlreadyExists(r.status())) << r.status().ToString();
  }

  static inline std::map<std::string, std::string>* env_ = nullptr;
  static inline KubeClient* admin_ = nullptr;
  static inline std::string ns_;
  static inline std::string tmp_root_, env_dir_;
  static inline bool started_ = false;
  static inline double up_seconds_ = 0;
  static inline std::string skip_reason_, setup_error_;
};

// Collects watcher events for a test thread to wait on.
class EventLog {
 public:
  void Add(const WatchEvent& e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
    cv_.notify_all();
  }
  void AddError(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(s);
    cv_.notify_all();
  }
  // Waits until pred(events, errors) holds; false after `timeout`.
  template <typename P>
  bool WaitFor(P pred, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(events_, errors_); });
  }
  std::vector<WatchEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<Status> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
  std::vector<Status> errors_;
};

inline std::string NameOf(const json& obj) { return obj.contains("metadata") ? obj["metadata"].value("name", "") : ""; }

}  // namespace podpilot::k8s::testing
