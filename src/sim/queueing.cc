#include "sim/queueing.h"

#include <algorithm>
#include <array>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace podpilot {
namespace {

// log(x) for x > 0, to about 1e-5 absolute: enough to index the tables, whose interpolation error
// is larger. Exponent from the bits, mantissa by a minimax polynomial; ~4x faster than std::log,
// which was a tenth of a simulator step. Deterministic (no hardware approximations).
inline double FastLog(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int exponent = static_cast<int>((bits >> 52) & 0x7FF) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL;  // mantissa m in [1, 2)
  double m;
  std::memcpy(&m, &bits, sizeof m);
  // log(m) on [1, 2) via t = (m - 1) / (m + 1): log(m) = 2 (t + t^3/3 + t^5/5 + t^7/7 + ...).
  const double t = (m - 1.0) / (m + 1.0), t2 = t * t;
  const double log_m = 2.0 * t * (1.0 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 * (1.0 / 9)))));
  return exponent * 0.6931471805599453 + log_m;
}

// Table grid: SCV log-spaced over [kScvMin, kScvMax]; z = limit / mean log-spaced over
// [kZMin, kZMax]. Outside the z range the CDF is 0 or 1 to within 1e-6 for the SCVs in range
// (checked by the tests against the exact function).
constexpr int kScvN = 128;
constexpr double kScvMin = 1e-3, kScvMax = 30.0;
constexpr int kZN = 768;
constexpr double kZMin = 1e-3, kZMax = 200.0;
constexpr double kQuantiles[3] = {0.5, 0.95, 0.99};

struct Tables {
  double log_scv_min, log_scv_step, log_z_min, log_z_step;
  std::vector<float> cdf;                    // [scv][z]
  std::vector<double> quant;                 // [scv][3]
  std::vector<double> points;                // [scv][kQuantilePoints]

  Tables() {
    log_scv_min = std::log(kScvMin);
    log_scv_step = (std::log(kScvMax) - log_scv_min) / (kScvN - 1);
    log_z_min = std::log(kZMin);
    log_z_step = (std::log(kZMax) - log_z_min) / (kZN - 1);
    cdf.resize(static_cast<size_t>(kScvN) * kZN);
    quant.resize(static_cast<size_t>(kScvN) * 3);
    points.resize(static_cast<size_t>(kScvN) * kQuantilePoints);
    for (int i = 0; i < kScvN; ++i) {
      const double scv = std::exp(log_scv_min + i * log_scv_step);
      for (int j = 0; j < kZN; ++j) {
        const double z = std::exp(log_z_min + j * log_z_step);
        cdf[static_cast<size_t>(i) * kZN + j] = static_cast<float>(GammaWithinProbabilityExact(1.0, scv, z));
      }
      for (int q = 0; q < 3; ++q) quant[i * 3 + q] = GammaQuantileExact(1.0, scv, kQuantiles[q]);
      for (int q = 0; q < kQuantilePoints; ++q) {
        points[i * kQuantilePoints + q] = GammaQuantileExact(1.0, scv, (q + 0.5) / kQuantilePoints);
      }
    }
  }

  // Fractional index of an SCV on the grid, clamped.
  double ScvIndex(double scv) const {
    double f = (FastLog(std::clamp(scv, kScvMin, kScvMax)) - log_scv_min) / log_scv_step;
    return std::clamp(f, 0.0, kScvN - 1.000001);
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

double Phi(double x) { return 0.5 * std::erfc(-x * M_SQRT1_2); }
double PhiDensity(double x) { return 0.3989422804014327 * std::exp(-0.5 * x * x); }

}  // namespace

double PsSojournScv(double rho, double demand_cv) {
  rho = std::clamp(rho, 0.0, kMaxStationaryRho);
  const double cv2 = demand_cv * demand_cv;
  return cv2 + 2.0 * rho / (2.0 - rho);
}

Moments PsSojourn(double service_s, double rho, double demand_cv) {
  rho = std::clamp(rho, 0.0, kMaxStationaryRho);
  const double mean = service_s / (1.0 - rho);
  return {mean, mean * mean * PsSojournScv(rho, demand_cv)};
}

Moments MaxOfIndependent(const Moments& x, const Moments& y) {
  const double a2 = x.var + y.var;
  if (a2 <= 1e-18) return {std::max(x.mean, y.mean), 0.0};
  const double a = std::sqrt(a2);
  const double alpha = (x.mean - y.mean) / a;
  const double p = Phi(alpha), q = 1.0 - p, d = PhiDensity(alpha);
  const double m = x.mean * p + y.mean * q + a * d;
  const double e2 = (x.mean * x.mean + x.var) * p + (y.mean * y.mean + y.var) * q + (x.mean + y.mean) * a * d;
  return {m, std::max(0.0, e2 - m * m)};
}

double GammaWithinProbabilityExact(double mean, double scv, double limit) {
  if (limit <= 0) return 0.0;
  if (mean <= 0) return 1.0;
  const double shape = 1.0 / scv, scale = mean * scv;
  return boost::math::gamma_p(shape, limit / scale);
}

double GammaQuantileExact(double mean, double scv, double p) {
  if (mean <= 0) return 0.0;
  const double shape = 1.0 / scv, scale = mean * scv;
  return boost::math::gamma_p_inv(shape, p) * scale;
}

double GammaWithinProbability(double mean, double scv, double limit) {
  if (limit <= 0) return 0.0;
  if (mean <= 0) return 1.0;
  const Tables& t = GetTables();
  const double z = limit / mean;
  if (z <= kZMin) return 0.0;
  if (z >= kZMax) return 1.0;
  const double fs = t.ScvIndex(scv);
  const double fz = std::clamp((FastLog(z) - t.log_z_min) / t.log_z_step, 0.0, kZN - 1.000001);
  const int is = static_cast<int>(fs), iz = static_cast<int>(fz);
  const double ws = fs - is, wz = fz - iz;
  const float* r0 = &t.cdf[static_cast<size_t>(is) * kZN + iz];
  const float* r1 = r0 + kZN;
  const double a = r0[0] + wz * (r0[1] - r0[0]);
  const double b = r1[0] + wz * (r1[1] - r1[0]);
  return a + ws * (b - a);
}

double GammaQuantile(double mean, double scv, double p) {
  if (mean <= 0) return 0.0;
  int q = p <= 0.5 ? 0 : (p <= 0.95 ? 1 : 2);
  const Tables& t = GetTables();
  const double fs = t.ScvIndex(scv);
  const int is = static_cast<int>(fs);
  const double ws = fs - is;
  return mean * (t.quant[is * 3 + q] + ws * (t.quant[(is + 1) * 3 + q] - t.quant[is * 3 + q]));
}

void GammaQuantilePoints(double mean, double scv, double out[kQuantilePoints]) {
  const Tables& t = GetTables();
  const double fs = t.ScvIndex(scv);
  const int is = static_cast<int>(fs);
  const double ws = fs - is;
  const double* a = &t.points[is * kQuantilePoints];
  const double* b = a + kQuantilePoints;
  for (int i = 0; i < kQuantilePoints; ++i) out[i] = mean * (a[i] + ws * (b[i] - a[i]));
}

}  // namespace podpilot
