// `podpilot report DIR`: the self-contained HTML page of an evaluation (report/report.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "report/report.h"

namespace podpilot::cli {
namespace {

struct ReportCliOptions {
  std::string dir;
  std::string out;
  ReportOptions options;
};

void RunReport(const ReportCliOptions& o) {
  auto path = WriteReport(o.dir, o.out, o.options);
  if (!path.ok()) throw UsageError(path.status().message());
  std::printf("report: %s (open it in a browser; it needs no network)\n", path->c_str());
}

}  // namespace

void RegisterReport(CLI::App& app) {
  auto o = std::make_shared<ReportCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Write one self-contained HTML page (charts and scorecard) from an `eval --out DIR` directory");
  sub->add_option("dir", o->dir, "The evaluation directory (holds scorecard.json and runs/)")->required();
  sub->add_option("--out", o->out, "Page to write (default DIR/report.html)");
  sub->add_option("--max-points", o->options.max_points, "Points per chart series (series are coarsened to it)")
      ->capture_default_str();
  sub->add_option("--title", o->options.title, "Page title");
  sub->callback([o] { RunReport(*o); });
}

}  // namespace podpilot::cli
