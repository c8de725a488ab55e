#include "vec_env_core.h"

namespace podpilot::python {
namespace {

std::unique_lock<std::mutex> Enter(std::mutex& mu) {
  std::unique_lock<std::mutex> lock(mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    throw std::runtime_error("podpilot vec env: called from two threads at once; use one vec env per thread");
  }
  return lock;
}

// A fresh float64 array of one value per env.
py::array_t<double> Column(const std::vector<StepInfo>& infos, double StepInfo::*field) {
  py::array_t<double> a(static_cast<py::ssize_t>(infos.size()));
  double* p = a.mutable_data();
  for (size_t i = 0; i < infos.size(); ++i) p[i] = infos[i].*field;
  return a;
}

py::array_t<double> Copy(const std::vector<double>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

}  // namespace

VecEnvCore::VecEnvCore(const CoreConfig& config, int num_envs, int threads) : setup_(MakeSetup(config)) {
  if (num_envs < 1) throw py::value_error("num_envs must be >= 1, got " + std::to_string(num_envs));
  if (threads < 0) throw py::value_error("threads must be >= 0 (0 = one per core), got " + std::to_string(threads));
  auto vec = VecEnv::Create(setup_.env, num_envs, threads);
  ThrowIfError(vec.status(), "");
  vec_ = std::move(vec).value();
  const size_t n = static_cast<size_t>(num_envs);
  features_.assign(n, learned::FeatureBuilder(setup_.features));
  histories_.assign(n, learned::ScaleDownHistory{});
  obs_.assign(n * setup_.features.size(), 0.0f);
  decisions_.resize(n);
  infos_.resize(n);
  ended_.assign(n, 0);
  for (auto* v : {&ep_cost_, &ep_requests_, &ep_errors_, &ep_slo_, &ep_p95_}) v->assign(n, 0.0);
}

void VecEnvCore::Collect() {
  const int n = vec_->size(), d = setup_.features.size();
  feature_error_ = Status::Ok();
  for (int i = 0; i < n; ++i) {
    const StepResult& r = *vec_->results()[i];
    if (vec_->just_reset()[i]) {  // a new episode starts without history
      features_[i].Reset();
      histories_[i].Reset();
    }
    const Status st = features_[i].Build(r.observation, obs_.data() + static_cast<size_t>(i) * d);
    if (!st.ok() && feature_error_.ok()) feature_error_ = st;
    infos_[i] = InfoOf(r, vec_->env(i).simulator());
    ended_[i] = r.truncated || r.terminated;
    if (ended_[i]) {
      // Read now: the next Step resets this env and its run totals.
      const RunTotals& t = vec_->env(i).simulator().totals();
      ep_cost_[i] = t.cost;
      ep_requests_[i] = t.requests;
      ep_errors_[i] = t.errors;
      ep_slo_[i] = t.SloAttainment();
      ep_p95_[i] = t.LatencyQuantileMs(0.95);
    }
  }
}

py::array_t<float> VecEnvCore::ObsView(py::handle self) const {
  const py::ssize_t n = vec_->size(), d = setup_.features.size();
  const py::ssize_t f = sizeof(float);
  return py::array_t<float>({n, d}, {d * f, f}, obs_.data(), self);
}

py::dict VecEnvCore::Info() const {
  const size_t n = infos_.size();
  py::dict d;
  // Every env reports every step's components, so one all-true mask serves all of them.
  py::array_t<bool> all(static_cast<py::ssize_t>(n));
  std::fill_n(all.mutable_data(), n, true);
  static const std::vector<double StepInfo::*> fields = {
      &StepInfo::cost,     &StepInfo::cost_rate, &StepInfo::slo_shortfall,  &StepInfo::churn,
      &StepInfo::requests, &StepInfo::errors,    &StepInfo::slo_attainment, &StepInfo::p95_ms};
  const auto& keys = InfoKeys();
  for (size_t k = 0; k < keys.size(); ++k) {
    d[py::str(keys[k])] = Column(infos_, fields[k]);
    d[py::str("_" + keys[k])] = all;
  }
  bool any_ended = false;
  for (uint8_t e : ended_) any_ended |= e != 0;
  if (any_ended) {
    py::array_t<bool> mask(static_cast<py::ssize_t>(n));
    for (size_t i = 0; i < n; ++i) mask.mutable_data()[i] = ended_[i] != 0;
    const std::pair<const char*, const std::vector<double>*> episode[] = {
        {"episode_cost", &ep_cost_}, {"episode_requests", &ep_requests_}, {"episode_errors", &ep_errors_},
        {"episode_slo_attainment", &ep_slo_}, {"episode_p95_ms", &ep_p95_}};
    for (const auto& [key, values] : episode) {
      py::array_t<double> a = Copy(*values);
      for (size_t i = 0; i < n; ++i) {
        if (!ended_[i]) a.mutable_data()[i] = 0.0;
      }
      d[key] = a;
      d[py::str(std::string("_") + key)] = mask;
    }
  }
  return d;
}

py::array_t<int64_t> VecEnvCore::NoopAction() {
  auto lock = Enter(busy_);
  if (!started_) throw std::runtime_error("podpilot vec env: noop_action() called before reset()");
  const py::ssize_t n = vec_->size(), k = setup_.actions.num_targets;
  py::array_t<int64_t> out({n, k});
  std::vector<int32_t> keep(k);
  for (py::ssize_t i = 0; i < n; ++i) {
    KeepChoices(setup_.actions, vec_->results()[i]->observation, keep.data());
    std::copy(keep.begin(), keep.end(), out.mutable_data() + i * k);
  }
  return out;
}

py::tuple VecEnvCore::Reset(py::handle self, uint64_t base_seed) {
  auto lock = Enter(busy_);
  {
    py::gil_scoped_release nogil;
    vec_->Reset(base_seed);
    Collect();
  }
  ThrowIfError(feature_error_, "podpilot features");
  started_ = true;
  return py::make_tuple(ObsView(self), Info());
}

py::tuple VecEnvCore::Step(py::handle self, py::handle actions) {
  auto lock = Enter(busy_);
  if (!started_) throw std::runtime_error("podpilot vec env: step() called before reset()");
  const int n = vec_->size();
  const size_t k = setup_.actions.num_targets;
  ReadActions(actions, n, setup_.actions, setup_.target_names, &choices_);
  for (int i = 0; i < n; ++i) {
    ThrowIfError(learned::ApplyActions(setup_.actions, vec_->results()[i]->observation, choices_.data() + i * k,
                                       &decisions_[i], &histories_[i]),
                 "");
  }
  {
    py::gil_scoped_release nogil;
    vec_->Step(decisions_);
    Collect();
  }
  ThrowIfError(feature_error_, "podpilot features");
  py::array_t<double> rewards(n);
  py::array_t<bool> terminated(n), truncated(n);
  for (int i = 0; i < n; ++i) {
    const StepResult& r = *vec_->results()[i];
    rewards.mutable_data()[i] = r.reward.reward;
    terminated.mutable_data()[i] = r.terminated;
    truncated.mutable_data()[i] = r.truncated;
  }
  return py::make_tuple(ObsView(self), rewards, terminated, truncated, Info());
}

}  // namespace podpilot::python
