// Test support: a real Prometheus server (Debian's /usr/bin/prometheus) on a free loopback port,
// storing in a fresh temporary directory and scraping its own /metrics every second, so tests of
// the client talk to the real thing without any other binary. Header-only because the
// podpilot_module library takes every .cc in this directory.
//
// Cleanup guarantees: Stop() (also run by the destructor) sends SIGTERM, waits up to 5 s, then
// SIGKILLs and reaps, and removes the temporary directory. If the test process dies without
// running Stop (a crash, or ctest's timeout killing it), the kernel SIGKILLs Prometheus
// (PR_SET_PDEATHSIG), so no server outlives its test (its temporary directory stays behind then).
//
// Startup: /-/ready answers within about 0.2 s, but the first scrape comes about 5 s later,
// because Prometheus 2.x's scrape manager applies discovered targets on a 5 s tick (no flag
// changes it); tests that need scraped data wait for it, the others do not.
//
// Thread-safety: none; use from the test's main thread.
#pragma once

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace podpilot::prom::testing {

inline constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

// A loopback TCP socket bound to a kernel-chosen port; closed on destruction. With listen=false
// connections to it are refused (and nobody else can take the port while it is held); with
// listen=true they are completed by the kernel but never accepted or answered, which is how a
// hung server looks to a client.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        (listen && ::listen(fd_, 16) != 0)) {
      Close();
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackSocket() { Close(); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  int port() const { return port_; }  // 0 if the socket could not be set up
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// GETs `url` and returns the HTTP status (0 on a transport error), bounded by `timeout`.
inline long HttpGetStatus(const std::string& url, std::chrono::milliseconds timeout) {
  CURL* h = curl_easy_init();
  if (h == nullptr) return 0;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // Only a readiness probe of the test's own server: its certificate is checked by the tests.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return status;
}

// Writes a self-signed certificate for 127.0.0.1 and localhost (it is its own CA) and its key
// to dir/server.crt and dir/server.key with the openssl command. Returns "" on success.
inline std::string GenerateSelfSignedCert(const std::string& dir) {
  const std::string cmd =
      "timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
      " -keyout '" + dir + "/server.key' -out '" + dir + "/server.crt' >'" + dir + "/openssl.log' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream in(dir + "/openssl.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return "openssl failed: " + ss.str();
  }
  return "";
}

class TestPrometheus {
 public:
  TestPrometheus() = default;
  ~TestPrometheus() { Stop(); }
  TestPrometheus(const TestPrometheus&) = delete;
  TestPrometheus& operator=(const TestPrometheus&) = delete;

  static bool Available() { return ::access(kPrometheusBinary, X_OK) == 0; }

  // Starts Prometheus and waits until /-/ready answers 200, at most `ready_timeout` per attempt.
  // With `tls` set, Prometheus serves https with that certificate and key (--web.config.file).
  // A free port is found by binding port 0 and releasing it, which can race with another process,
  // so a start that fails is retried on a new port (3 attempts). Returns "" on success, otherwise
  // what went wrong with the tail of Prometheus' log.
  struct TlsFiles {
    std::string cert_file;
    std::string key_file;
  };
  std::string Start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(20),
                    std::optional<TlsFiles> tls = std::nullopt) {
    tls_ = tls.has_value();
    std::string error;
    for (int attempt = 0; attempt < 3; ++attempt) {
      error = StartOnce(ready_timeout, tls);
      if (error.empty()) return "";
      Stop();
    }
    return error;
  }

  // Idempotent; see the cleanup guarantees at the top of the file.
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      if (!WaitExit(std::chrono::seconds(5))) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  int port() const { return port_; }
  std::string base_url() const { return (tls_ ? "https://" : "http://") + instance(); }
  // The instance label Prometheus gives its own scrape target.
  std::string instance() const { return "127.0.0.1:" + std::to_string(port_); }

  std::string LogTail() const {
    std::ifstream in(dir_ + "/prometheus.log");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string log = ss.str();
    return log.size() > 2000 ? log.substr(log.size() - 2000) : log;
  }

 private:
  std::string StartOnce(std::chrono::milliseconds ready_timeout, const std::optional<TlsFiles>& tls) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "podpilot-prom-test.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return "mkdtemp " + tmpl + " failed";
    dir_ = tmpl;
    {
      LoopbackSocket probe(/*listen=*/false);
      port_ = probe.port();
    }
    if (port_ == 0) return "no free loopback port";
    {
      std::ofstream config(dir_ + "/prometheus.yml");
      config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
             << "scrape_configs:\n  - job_name: self\n    static_configs:\n"
             << "      - targets: ['" << instance() << "']\n";
      if (tls) config << "    scheme: https\n    tls_config:\n      insecure_skip_verify: true\n";
      if (!config) return "cannot write " + dir_ + "/prometheus.yml";
    }
    if (tls) {
      std::ofstream web(dir_ + "/web.yml");
      web << "tls_server_config:\n  cert_file: " << tls->cert_file << "\n  key_file: " << tls->key_file << "\n";
      if (!web) return "cannot write " + dir_ + "/web.yml";
      args_extra_ = {"--web.config.file=" + dir_ + "/web.yml"};
    } else {
      args_extra_.clear();
    }
    std::vector<std::string> args = {kPrometheusBinary,
                                      "--config.file=" + dir_ + "/prometheus.yml",
                                      "--storage.tsdb.path=" + dir_ + "/data",
                                      "--web.listen-address=" + instance(),
                                      "--log.level=warn"};
    args.insert(args.end(), args_extra_.begin(), args_extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = dir_ + "/prometheus.log";
    const pid_t parent = ::getpid();

    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }

    const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (HttpGetStatus(base_url() + "/-/ready", std::chrono::milliseconds(500)) == 200) return "";
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "prometheus exited during startup (status " + std::to_string(status) + "); log:\n" + LogTail();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "prometheus not ready on " + base_url() + " within " + std::to_string(ready_timeout.count()) +
           " ms; log:\n" + LogTail();
  }

  // Reaps the child if it exits within `limit`.
  bool WaitExit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      pid_t r = ::waitpid(pid_, nullptr, WNOHANG);
      if (r == pid_ || r < 0) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
  std::vector<std::string> args_extra_;
  std::string dir_;
};

}  // namespace podpilot::prom::testing
