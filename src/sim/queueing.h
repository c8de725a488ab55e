// Queueing formulas of the fast latency model (design.md §4 "Latency").
//
// Each pod is a processor-sharing (PS) server on its CPU capacity. For Poisson arrivals at
// utilisation rho < 1 and exponentially distributed demand with mean service time s (seconds at
// full capacity), the M/M/1-PS sojourn time V has
//     E[V]   = s / (1 - rho)                                   (insensitive to the demand law)
//     SCV[V] = (2 + rho) / (2 - rho)                            (Coffman, Muntz & Trotter 1970:
//                                                              Var[V|x] integrated over x ~ Exp)
// For a demand with coefficient of variation cv we use SCV[V] = cv^2 + 2 rho / (2 - rho): exact
// for cv = 1, and for other cv an approximation (the demand's own variability plus the M/M/1-PS
// queueing term) that the discrete-event mode checks.
//
// Sojourn times along a call path are combined by moments (sums add means and variances;
// parallel calls take the max by Clark's 1961 normal approximation), and the end-to-end
// distribution is a gamma with the resulting mean and SCV. Its CDF and quantiles come from tables
// built once with Boost.Math (a table lookup costs ~10 ns; boost::math::gamma_p costs ~300 ns, and
// the simulator needs millions of them per second).
//
// All functions are pure; the tables are built on first use (thread-safe static init).
#pragma once

namespace podpilot {

// Mean and variance of a latency (seconds or milliseconds: the caller's unit, consistently).
struct Moments {
  double mean = 0.0;
  double var = 0.0;
};

// Utilisation above which the stationary formula is not used; the simulator switches to the
// fluid-backlog model (queue grows by arrivals minus capacity) instead.
inline constexpr double kMaxStationaryRho = 0.98;

// Sojourn-time moments of one visit to a PS server. `service_s` = mean demand / capacity.
Moments PsSojourn(double service_s, double rho, double demand_cv);

// Squared coefficient of variation of the PS sojourn time (see above).
double PsSojournScv(double rho, double demand_cv);

// A service's per-visit queueing state below saturation: `work` core-seconds per second arriving
// at `pods` ready pods of `per_pod_capacity` cores each. spc = seconds per core-second of demand
// (a visit of c core-seconds takes c * spc on average), scv = SCV of that time. Requires
// rho = work / (pods * per_pod_capacity) <= kMaxStationaryRho.
struct PsVisit {
  double rho;
  double spc;
  double scv;
};
inline PsVisit StationaryPsVisit(double work, int pods, double per_pod_capacity, double demand_cv) {
  const double rho = work / (pods * per_pod_capacity);
  return {rho, 1.0 / ((1.0 - rho) * per_pod_capacity), PsSojournScv(rho, demand_cv)};
}

// Moments of max(X, Y) for independent X, Y approximated as normals (Clark 1961).
Moments MaxOfIndependent(const Moments& x, const Moments& y);

// P(T <= limit) for T ~ Gamma with the given mean (> 0) and SCV (> 0), by table.
double GammaWithinProbability(double mean, double scv, double limit);
// Quantile p in {0.5, 0.95, 0.99} of a gamma with this mean and SCV, by table.
double GammaQuantile(double mean, double scv, double p);

// Exact versions (Boost.Math), for tests and for building the tables.
double GammaWithinProbabilityExact(double mean, double scv, double limit);
double GammaQuantileExact(double mean, double scv, double p);

// A compact stand-in for a gamma's distribution when building run-level latency histograms:
// quantiles at the midpoints kQuantilePointP[i] of a partition of [0, 1] whose cells are finer in
// the upper tail (down to 0.0025 wide above 0.99), each standing for kQuantilePointWeight[i] of
// the probability, so that tail quantiles of a mixture of such gammas come out within a fraction
// of a cell (p = 0.5, 0.95, 0.99 are cell midpoints).
inline constexpr int kQuantilePoints = 26;
extern const double kQuantilePointP[kQuantilePoints];
extern const double kQuantilePointWeight[kQuantilePoints];
void GammaQuantilePoints(double mean, double scv, double out[kQuantilePoints]);

}  // namespace podpilot
