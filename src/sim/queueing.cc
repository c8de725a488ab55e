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

// Cell edges of the partition of [0, 1] behind GammaQuantilePoints: finer in the upper tail, and
// with p = 0.5, 0.95 and 0.99 at cell midpoints so that those quantiles of a histogram built from
// the points land on a point rather than between two.
constexpr double kCellEdges[kQuantilePoints + 1] = {
    0,    0.1,   0.2,   0.3,   0.4,    0.45,   0.55,  0.6,   0.7,   0.8,    0.85,  0.88,  0.9,  0.915,
    0.925, 0.935, 0.945, 0.955, 0.965, 0.975, 0.985, 0.9875, 0.9925, 0.995, 0.9975, 0.999, 1.0};

struct QuantilePartition {
  double p[kQuantilePoints];
  double w[kQuantilePoints];
  constexpr QuantilePartition() : p(), w() {
    for (int k = 0; k < kQuantilePoints; ++k) {
      p[k] = 0.5 * (kCellEdges[k] + kCellEdges[k + 1]);
      w[k] = kCellEdges[k + 1] - kCellEdges[k];
    }
  }
};
constexpr QuantilePartition kPartition;

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
        // Stored as logs: quantiles of wide gammas span decades, and interpolating their logs
        // across SCV rows is accurate where interpolating the values is not.
        points[i * kQuantilePoints + q] = std::log(GammaQuantileExact(1.0, scv, kPartition.p[q]));
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

const double kQuantilePointP[kQuantilePoints] = {
#define PP_P(i) kPartition.p[i]
    PP_P(0),  PP_P(1),  PP_P(2),  PP_P(3),  PP_P(4),  PP_P(5),  PP_P(6),  PP_P(7),  PP_P(8),
    PP_P(9),  PP_P(10), PP_P(11), PP_P(12), PP_P(13), PP_P(14), PP_P(15), PP_P(16), PP_P(17),
    PP_P(18), PP_P(19), PP_P(20), PP_P(21), PP_P(22), PP_P(23), PP_P(24), PP_P(25)};
#undef PP_P
const double kQuantilePointWeight[kQuantilePoints] = {
#define PP_W(i) kPartition.w[i]
    PP_W(0),  PP_W(1),  PP_W(2),  PP_W(3),  PP_W(4),  PP_W(5),  PP_W(6),  PP_W(7),  PP_W(8),
    PP_W(9),  PP_W(10), PP_W(11), PP_W(12), PP_W(13), PP_W(14), PP_W(15), PP_W(16), PP_W(17),
    PP_W(18), PP_W(19), PP_W(20), PP_W(21), PP_W(22), PP_W(23), PP_W(24), PP_W(25)};
#undef PP_W

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
  if (z <= kZMin) {
    // Below the table, where wide gammas (SCV >~ 0.5) still have mass: the series
    // P(k, x) = x^k e^-x sum_n x^n / Gamma(k + n + 1), which converges fast for small x.
    const double k = 1.0 / std::max(scv, 1e-4), x = z * k;
    double term = std::exp(k * std::log(x) - x - std::lgamma(k + 1.0)), sum = 0;
    for (int n = 1; n < 500 && term > 1e-16 * sum; ++n) {
      sum += term;
      term *= x / (k + n);
    }
    return std::min(1.0, sum);
  }
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
  for (int i = 0; i < kQuantilePoints; ++i) out[i] = mean * std::exp(a[i] + ws * (b[i] - a[i]));
}

}  // namespace podpilot
