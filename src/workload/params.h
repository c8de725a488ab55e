// Validation of workload spec parameters: which keys each kind accepts, and typed, range-checked
// access to their values with errors that name the spec, the key and the value.
//
// Internal to the workload module. Not thread-safe (a ParamReader is used by one call).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workload/workload.h"

namespace podpilot::workload_internal {

// Ceiling on any request rate a spec or trace may produce. Far above any single service the
// simulator models; values beyond it are typos (an extra zero, a unit mix-up).
inline constexpr double kMaxRps = 1e7;
// Ceiling on durations (at, period, offset, run length): a year and a day.
inline constexpr double kMaxDurationS = 366.0 * 86400.0;

// Keys accepted by every kind.
const std::vector<std::string>& CommonKeys();
// Keys specific to `kind`, or nullptr for an unknown kind.
const std::vector<std::string>* KindKeys(std::string_view kind);
// "step, sinusoidal, ..." for messages.
std::string JoinKinds();

// Typed access to a spec's params. Every getter returns the default when the key is absent and
// an InvalidArgument error naming "key=value" when the value is malformed or out of range.
class ParamReader {
 public:
  explicit ParamReader(const WorkloadSpec& spec);

  const WorkloadSpec& spec() const { return spec_; }
  bool Has(const std::string& key) const { return spec_.params.count(key) > 0; }

  // Fails on an unknown kind or on any key the kind does not accept.
  Status CheckKeys() const;

  // A number in [lo, hi].
  StatusOr<double> Number(const std::string& key, double def, double lo, double hi) const;
  // A request rate in [0, kMaxRps].
  StatusOr<double> Rate(const std::string& key, double def) const;
  // A duration (common/units.h syntax) in [lo, hi] seconds; lo_exclusive makes the lower bound strict.
  StatusOr<double> Duration(const std::string& key, double def, double lo, double hi,
                            bool lo_exclusive = false) const;
  // The raw value, or `def`.
  std::string Text(const std::string& key, const std::string& def = "") const;

  // InvalidArgument "workload 'TEXT': key=value: what".
  Status Error(const std::string& key, const std::string& what) const;
  // InvalidArgument "workload 'TEXT': what".
  Status SpecError(const std::string& what) const;

 private:
  WorkloadSpec spec_;
};

// The spec text as written, or rebuilt from kind and params when it was built in code.
std::string SpecText(const WorkloadSpec& spec);

}  // namespace podpilot::workload_internal
