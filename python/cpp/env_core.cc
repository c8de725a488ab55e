#include "env_core.h"

namespace podpilot::python {
namespace {

std::unique_lock<std::mutex> Enter(std::mutex& mu) {
  std::unique_lock<std::mutex> lock(mu, std::try_to_lock);
  if (!lock.owns_lock()) throw std::runtime_error("podpilot env: called from two threads at once; use one env per thread");
  return lock;
}

}  // namespace

EnvCore::EnvCore(const CoreConfig& config) : setup_(MakeSetup(config)), features_(setup_.features) {
  auto env = Env::Create(setup_.env);
  ThrowIfError(env.status(), "");
  env_ = std::move(env).value();
}

py::array_t<float> EnvCore::Observe() {
  py::array_t<float> out(features_.size());
  Featurize(features_, *last_, out.mutable_data());
  return out;
}

py::dict EnvCore::Info(const StepResult& r) const {
  const StepInfo s = InfoOf(r, env_->simulator());
  py::dict d;
  d["cost"] = s.cost;
  d["cost_rate"] = s.cost_rate;
  d["slo_shortfall"] = s.slo_shortfall;
  d["churn"] = s.churn;
  d["requests"] = s.requests;
  d["errors"] = s.errors;
  d["slo_attainment"] = s.slo_attainment;
  d["p95_ms"] = s.p95_ms;
  d["time_s"] = r.observation.time_s;
  py::array_t<int32_t> replicas(static_cast<py::ssize_t>(r.observation.targets.size()));
  for (size_t i = 0; i < r.observation.targets.size(); ++i) replicas.mutable_at(i) = r.observation.targets[i].replicas_spec;
  d["replicas"] = replicas;
  return d;
}

py::tuple EnvCore::Reset(uint64_t seed) {
  auto lock = Enter(busy_);
  {
    py::gil_scoped_release nogil;
    last_ = &env_->Reset(seed);
  }
  features_.Reset();
  history_.Reset();
  steps_ = 0;
  return py::make_tuple(Observe(), Info(*last_));
}

py::tuple EnvCore::Step(py::handle action) {
  auto lock = Enter(busy_);
  if (!last_) throw std::runtime_error("podpilot env: step() called before reset()");
  if (last_->truncated || last_->terminated) {
    throw std::runtime_error("podpilot env: step() called after the episode ended; call reset() first");
  }
  ReadActions(action, -1, setup_.actions, setup_.target_names, &choices_);
  ThrowIfError(learned::ApplyActions(setup_.actions, last_->observation, choices_.data(), &decision_, &history_), "");
  {
    py::gil_scoped_release nogil;
    last_ = &env_->Step(decision_);
  }
  ++steps_;
  py::dict info = Info(*last_);
  if (last_->truncated || last_->terminated) info["scorecard"] = Scorecard(*env_, steps_);
  return py::make_tuple(Observe(), last_->reward.reward, py::bool_(last_->terminated), py::bool_(last_->truncated),
                        info);
}

py::array_t<int64_t> EnvCore::NoopAction() const {
  if (!last_) throw std::runtime_error("podpilot env: noop_action() called before reset()");
  std::vector<int32_t> keep(setup_.actions.num_targets);
  KeepChoices(setup_.actions, last_->observation, keep.data());
  py::array_t<int64_t> out(static_cast<py::ssize_t>(keep.size()));
  std::copy(keep.begin(), keep.end(), out.mutable_data());
  return out;
}

py::dict EnvCore::CurrentScorecard() const {
  if (!last_) throw std::runtime_error("podpilot env: scorecard() called before reset()");
  return Scorecard(*env_, steps_);
}

}  // namespace podpilot::python
