// podpilot-operator: the operator alone (`podpilot operator` without the simulator, trainers and
// libtorch), for the container image. Same flags as `podpilot operator --help`.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"podpilot-operator - reconciles PodPilotAutoscaler objects on a Kubernetes cluster."};
  app.set_version_flag("--version", "podpilot-operator 0.1.0");
  podpilot::cli::RegisterOperator(app);
  app.require_subcommand(0, 1);
  // `podpilot-operator --flags` and `podpilot-operator operator --flags` both work: the flags of
  // the subcommand are accepted at the top level by forwarding.
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "operator" && args[0] != "--version")) args.insert(args.begin(), "operator");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const podpilot::cli::UsageError& e) {
    std::cerr << "podpilot-operator: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "podpilot-operator: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
