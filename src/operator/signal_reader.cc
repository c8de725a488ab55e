#include "operator/signal_reader.h"

#include <cmath>

#include <fmt/format.h>

#include "prom/query_result.h"

namespace podpilot::op {

std::optional<double> SignalReader::Read(const std::string& field, const std::string& query, const std::string& what) {
  if (query.empty()) return std::nullopt;
  const std::string& name = what.empty() ? field : what;
  auto failed = [&](const std::string& why) {
    errors_->prometheus_ok = false;
    errors_->failed_fields.insert(field);
    errors_->messages.push_back(name + ": " + why);
    return std::nullopt;
  };
  if (prom_ == nullptr) return failed("no Prometheus configured (--prometheus-url) for query " + query);
  if (!unreachable_.empty()) return failed("not queried: Prometheus did not answer " + unreachable_ + " in this observation");
  bool no_answer = false;
  auto res = prom_->InstantQuery(query, std::nullopt, &no_answer);
  if (!res.ok()) {
    if (no_answer) unreachable_ = name;  // an answer that is an error (one slow query) fails alone
    return failed(res.status().ToString());
  }
  auto v = prom::SingleValue(*res);
  if (!v.ok()) return failed(v.status().ToString());
  if (!std::isfinite(*v)) return failed(fmt::format("query returned {}: {}", *v, query));
  return *v;
}

}  // namespace podpilot::op
