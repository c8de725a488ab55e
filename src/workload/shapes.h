// Analytic load shapes: the rate as a function of "shape time" u (seconds since the shape's
// start; GenerateWorkload maps run time to shape time through offset and time_scale).
//
// Internal to the workload module. Shapes are immutable after construction and safe to read from
// several threads.
#pragma once

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "workload/params.h"

namespace podpilot::workload_internal {

class Shape {
 public:
  virtual ~Shape() = default;
  // Rate (requests per second) at shape time u >= 0. Never negative.
  virtual double RateAt(double u) const = 0;
};

// Builds the shape named by params.spec().kind (any kind but "trace"), validating its keys.
// `horizon_s` is the largest shape time that will be asked for (random_walk precomputes up to
// it); `seed` feeds the shapes that are random.
StatusOr<std::unique_ptr<Shape>> MakeShape(const ParamReader& params, double horizon_s, uint64_t seed);

StatusOr<std::unique_ptr<Shape>> MakeDiurnal(const ParamReader& params);
StatusOr<std::unique_ptr<Shape>> MakeRandomWalk(const ParamReader& params, double horizon_s, uint64_t seed);

// The diurnal shape's weekday curve normalised to [0, 1]: 0 at 04:00 (night low), 1 at 20:00
// (evening peak), smooth and periodic over 24 h. `hour` may be any real (taken modulo 24).
double DiurnalProfile(double hour);
// The diurnal shape's day factor at `day` days since Monday 00:00: 1 on weekdays, `weekend` on
// Saturday and Sunday, blended over the two hours either side of the midnights that separate them.
double WeekFactor(double day, double weekend);

}  // namespace podpilot::workload_internal
