// End-to-end tests of the `podpilot` command: exit codes, output formats, bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct Result {
  int exit_code;
  std::string out;  // stdout and stderr together
};

Result RunPodpilot(const std::string& args) {
  const std::string cmd = std::string(PODPILOT_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(CliTest, HelpExplainsEverySubcommand) {
  Result r = RunPodpilot("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("simulate"), std::string::npos);
  Result s = RunPodpilot("simulate --help");
  EXPECT_EQ(s.exit_code, 0);
  for (const char* opt : {"--app", "--workload", "--policy", "--duration", "--seed", "--out", "--json"}) {
    EXPECT_NE(s.out.find(opt), std::string::npos) << opt;
  }
  EXPECT_NE(s.out.find("hpa"), std::string::npos) << "policy kinds are listed";
}

TEST(CliTest, SimulateJsonHasTheScorecardFieldsAndIsReproducible) {
  const std::string args = "simulate --app gourmetgram --workload step:low=2,high=5,at=20m --policy hpa:cpu=50 "
                           "--duration 1h --seed 3 --json";
  Result a = RunPodpilot(args), b = RunPodpilot(args);
  ASSERT_EQ(a.exit_code, 0) << a.out;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  for (const char* k : {"cost", "pod_hours", "slo_attainment", "p95_ms", "requests", "errors", "scaling_actions",
                        "sim_seconds", "wall_seconds"}) {
    EXPECT_TRUE(ja.contains(k)) << k;
  }
  EXPECT_DOUBLE_EQ(ja["sim_seconds"].get<double>(), 3600);
  EXPECT_GT(ja["requests"].get<double>(), 0);
  EXPECT_GT(ja["scaling_actions"].get<int>(), 0) << "5 rps x 50 ms is 83 % of one pod's request";
  ja.erase("wall_seconds");
  jb.erase("wall_seconds");
  EXPECT_EQ(ja, jb);
}

// The shipped GourmetGram model was trained at 15 s: at 30 s every decision is its HPA-rule
// fallback, and the command says so instead of printing the fallback's figures as the model's.
TEST(CliTest, SimulateWarnsWhenThePolicyDecidedByItsFallback) {
  const std::string base = "simulate --app gourmetgram --workload constant:rps=5 --duration 10m "
                           "--policy learned:model=models/default/gourmetgram.safetensors --json";
  Result at15 = RunPodpilot(base);
  ASSERT_EQ(at15.exit_code, 0) << at15.out;
  EXPECT_EQ(nlohmann::json::parse(at15.out)["fallback_decisions"], 0);
  Result at30 = RunPodpilot(base + " --control-interval 30s");
  ASSERT_EQ(at30.exit_code, 0) << at30.out;
  const std::string warning = "warning: learned:model=models/default/gourmetgram.safetensors decided by its fallback "
                              "19 of 19 times (model was trained at 15 s control intervals, this run decides every "
                              "30 s): those decisions are not the policy's\n";
  ASSERT_EQ(at30.out.rfind(warning, 0), 0u) << at30.out;
  const auto j = nlohmann::json::parse(at30.out.substr(warning.size()));
  EXPECT_EQ(j["fallback_decisions"], 19);  // 600 s / 30 s intervals, the last one ends the run
  EXPECT_EQ(j["first_fallback"], "model was trained at 15 s control intervals, this run decides every 30 s");
}

// The time of the first decision after `after_s` whose reason says the KPA panicked; -1 if none.
double FirstPanicAfter(const std::string& csv_path, double after_s) {
  std::ifstream csv(csv_path);
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    const double t = std::stod(line.substr(0, line.find(',')));
    if (t > after_s && line.find("(panic)") != std::string::npos) return t;
  }
  return -1;
}

// When the KPA (target 2) first panics after gourmetgram's load steps from 2 to 6 rps at 600 s,
// simulated with `flags`; -1 if it never does. Fails the test if simulate fails.
double KpaFirstPanicAfterTheStep(const std::string& name, const std::string& flags) {
  const std::string dir = TempDir(name);
  Result r = RunPodpilot("simulate --app gourmetgram --workload step:low=2,high=6,at=10m --duration 15m "
                         "--policy kpa:target=2 --seed 1 --out " + dir + flags);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return FirstPanicAfter(dir + "/timeseries.csv", 600);
}

// Knative's autoscaler sees each pod's concurrency per second; under metrics-server's 30 s
// window the KPA's 6 s panic window would see a surge late. simulate gives the KPA the window it
// asks for (its 2 s tick) unless --metrics-window says otherwise.
TEST(CliTest, KpaSeesASurgeThroughItsOwnShortMetricsWindow) {
  const double fast_panic = KpaFirstPanicAfterTheStep("pp_kpa_own", "");
  const double slow_panic = KpaFirstPanicAfterTheStep("pp_kpa_30s", " --metrics-window 30s");
  std::printf("first panic after the step at 600 s: %.0f s (own window), %.0f s (30 s window)\n", fast_panic, slow_panic);
  ASSERT_GT(fast_panic, 600);
  EXPECT_LE(fast_panic, 600 + 10) << "within five ticks of the step";
  ASSERT_GT(slow_panic, 600) << "a 30 s average shows the surge too, later";
  EXPECT_GT(slow_panic, fast_panic);
}

// --metrics-lag delays every sample the policy sees: the KPA's first panic after the step comes
// later by about the lag.
TEST(CliTest, MetricsLagDelaysWhatThePolicySees) {
  const double on_time = KpaFirstPanicAfterTheStep("pp_lag_0", "");
  const double lagged = KpaFirstPanicAfterTheStep("pp_lag_20", " --metrics-lag 20s");
  std::printf("first panic after the step at 600 s: %.0f s (no lag), %.0f s (20 s lag)\n", on_time, lagged);
  ASSERT_GT(on_time, 600);
  EXPECT_GE(lagged, on_time + 15);
  Result bad = RunPodpilot("simulate --app gourmetgram --duration 10m --metrics-lag -3s");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("--metrics-lag '-3s'"), std::string::npos) << bad.out;
}

TEST(CliTest, OutWritesTheTimeSeriesAndSummary) {
  const std::string dir = TempDir("pp_out");
  Result r = RunPodpilot("simulate --app online-boutique --workload constant:rps=50 --duration 10m --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream csv(dir + "/timeseries.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("time_s,request_rate,slo_attainment,p95_ms", 0), 0u) << header;
  EXPECT_NE(header.find("frontend_replicas"), std::string::npos);
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 40);  // 600 s / 15 s
  EXPECT_TRUE(std::filesystem::exists(dir + "/summary.json"));
}

TEST(CliTest, BadInputIsAClearErrorAndLeavesNoFiles) {
  const std::string dir = TempDir("pp_bad");
  const std::string trace = TempDir("pp_trace.csv");
  std::ofstream(trace) << "timestamp,rps\n0,10\n1,12\nthree,oops\n3,11\n";
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"--app no-such-app --duration 10m", "unknown app 'no-such-app'"},
      {"--workload wobbly:x=1", "wobbly"},
      {"--workload step:low=-5", "low"},
      {"--policy nope", "unknown policy 'nope'"},
      {"--policy hpa:cpu=0", "cpu"},
      {"--policy static:replicas=3,color=red", "color"},
      {"--app gourmetgram --duration 5parsecs", "duration"},
      {"--workload trace:csv=" + trace, "pp_trace.csv:4"},
      {"--workload trace:csv=/no/such.csv", "/no/such.csv"},
  };
  for (const auto& c : cases) {
    const bool own = c.args.find("--app") != std::string::npos;
    Result r = RunPodpilot("simulate --out " + dir + " " + (own ? "" : "--app gourmetgram --duration 10m ") + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir + "/timeseries.csv")) << c.args;
    EXPECT_FALSE(std::filesystem::exists(dir + "/summary.json")) << c.args;
  }
  // The operator's flags are checked before it reads a kubeconfig or contacts anything.
  for (const char* flags : {"--period 0s", "--prometheus-timeout 0s", "--prometheus-timeout 10m"}) {
    Result r = RunPodpilot(std::string("operator --kubeconfig /no/such/kubeconfig ") + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.out;
    const std::string flag = std::string(flags).substr(0, std::string(flags).find(' '));
    EXPECT_NE(r.out.find(flag + " '"), std::string::npos) << flags << ": " << r.out;
  }
  Result unknown_flag = RunPodpilot("simulate --frobnicate");
  EXPECT_EQ(unknown_flag.exit_code, 2) << unknown_flag.out;
  EXPECT_EQ(RunPodpilot("").exit_code, 2) << "a subcommand is required";
}

}  // namespace
