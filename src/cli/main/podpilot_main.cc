// podpilot: an autoscaler for microservices on Kubernetes, its simulator and its scorecard.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "podpilot - learns, evaluates and runs autoscaling policies for microservices on Kubernetes.\n"
      "Simulate an application under a workload with a policy, and compare policies on a scorecard."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "podpilot 0.1.0");
  podpilot::cli::RegisterSimulate(app);
  podpilot::cli::RegisterServe(app);
  podpilot::cli::RegisterWorkload(app);
  podpilot::cli::RegisterEval(app);
  podpilot::cli::RegisterSweep(app);
  podpilot::cli::RegisterReport(app);
  podpilot::cli::RegisterTrain(app);
  podpilot::cli::RegisterOperator(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; every malformed command line is bad input (2), like our own checks.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const podpilot::cli::UsageError& e) {
    std::cerr << "podpilot: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "podpilot: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
