// The `podpilot` command's subcommands. Each Register* adds one CLI11 subcommand whose callback
// runs it; errors print one clear line on stderr and exit non-zero (2 for bad input).
#pragma once

#include <CLI/CLI.hpp>

namespace podpilot::cli {

void RegisterSimulate(CLI::App& app);
void RegisterServe(CLI::App& app);     // `serve`: the simulator behind /metrics (serve_command.cc)
void RegisterWorkload(CLI::App& app);  // `workload show|export` (workload_command.cc)
void RegisterEval(CLI::App& app);      // `eval`: the scorecard of a suite (eval_command.cc)
void RegisterSweep(CLI::App& app);     // `sweep`: tunes the HPA target on train workloads (sweep_command.cc)
void RegisterReport(CLI::App& app);    // `report`: the HTML page of an evaluation (report_command.cc)
void RegisterTrain(CLI::App& app);     // `train`: PPO / DQN on libtorch (train_command.cc)
void RegisterOperator(CLI::App& app);  // `operator`: reconciles PodPilotAutoscalers on a cluster (operator_command.cc)

// Thrown by subcommands for bad input; main() prints it and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace podpilot::cli
