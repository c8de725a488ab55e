#include "rl/dqn.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "common/rng.h"
#include "rl/export.h"

namespace podpilot::rl {

Status ValidateDqnConfig(const DqnConfig& c) {
  auto bad = [](const std::string& field, double v) {
    return InvalidArgumentError("dqn: " + field + " " + std::to_string(v) + " out of range");
  };
  if (c.total_timesteps < 1) return bad("total_timesteps", static_cast<double>(c.total_timesteps));
  if (c.buffer_size < 1 || c.buffer_size > 100'000'000) return bad("buffer_size", static_cast<double>(c.buffer_size));
  if (c.learning_starts < 0) return bad("learning_starts", static_cast<double>(c.learning_starts));
  if (c.batch_size < 1) return bad("batch_size", c.batch_size);
  if (!(c.learning_rate > 0 && c.learning_rate < 1)) return bad("learning_rate", c.learning_rate);
  if (!(c.gamma > 0 && c.gamma <= 1)) return bad("gamma", c.gamma);
  if (c.n_step < 1 || c.n_step > 1000) return bad("n_step", c.n_step);
  if (c.target_update_interval < 1) return bad("target_update_interval", static_cast<double>(c.target_update_interval));
  if (!(c.tau > 0 && c.tau <= 1)) return bad("tau", c.tau);
  if (c.train_freq < 1) return bad("train_freq", c.train_freq);
  if (c.gradient_steps < 0) return bad("gradient_steps", c.gradient_steps);
  if (!(c.exploration_initial >= 0 && c.exploration_initial <= 1)) return bad("exploration_initial", c.exploration_initial);
  if (!(c.exploration_final >= 0 && c.exploration_final <= 1)) return bad("exploration_final", c.exploration_final);
  if (!(c.exploration_fraction >= 0 && c.exploration_fraction <= 1)) return bad("exploration_fraction", c.exploration_fraction);
  if (!(c.max_grad_norm > 0)) return bad("max_grad_norm", c.max_grad_norm);
  if (!(c.reward_scale > 0 && std::isfinite(c.reward_scale))) return bad("reward_scale", c.reward_scale);
  if (c.steps_per_update < 1) return bad("steps_per_update", c.steps_per_update);
  if (c.hidden.empty()) return InvalidArgumentError("dqn: needs at least one hidden layer");
  for (int h : c.hidden) {
    if (h < 1 || h > learned::kMaxLayerWidth) return bad("hidden width", h);
  }
  if (c.hidden.size() > static_cast<size_t>(learned::kMaxHiddenLayers)) return bad("hidden layers", c.hidden.size());
  return Status::Ok();
}

torch::Tensor DqnTargets(const torch::Tensor& q_next_online, const torch::Tensor& q_next_target,
                         const torch::Tensor& returns, const torch::Tensor& discounts, bool double_dqn) {
  torch::NoGradGuard no_grad;
  torch::Tensor next;
  if (double_dqn) {
    auto best = q_next_online.argmax(-1, /*keepdim=*/true);      // [B, H, 1], each head its own
    next = q_next_target.gather(-1, best).squeeze(-1);           // [B, H]
  } else {
    next = std::get<0>(q_next_target.max(-1));
  }
  return returns.unsqueeze(-1) + discounts.unsqueeze(-1) * next;
}

QNetImpl::QNetImpl(int input, const std::vector<int>& hidden, int heads, int choices, bool dueling)
    : heads_(heads), choices_(choices), dueling_(dueling) {
  trunk_ = register_module("trunk", Mlp(input, hidden, heads * choices, 1.0));
  if (dueling_) {
    value_ = register_module("value", torch::nn::Linear(hidden.back(), 1));
    torch::NoGradGuard guard;
    torch::nn::init::orthogonal_(value_->weight, 1.0);
    torch::nn::init::zeros_(value_->bias);
  }
}

torch::Tensor QNetImpl::forward(torch::Tensor x) {
  auto z = trunk_->Trunk(std::move(x));
  auto a = trunk_->output_layer()->forward(z).view({-1, heads_, choices_});
  if (!dueling_) return a;
  auto v = value_->forward(z).view({-1, 1, 1});
  return v + a - a.mean(-1, /*keepdim=*/true);
}

std::pair<torch::Tensor, torch::Tensor> QNetImpl::FoldedHead() const {
  torch::NoGradGuard no_grad;
  auto w = trunk_->output_layer()->weight.detach().clone();
  auto b = trunk_->output_layer()->bias.detach().clone();
  if (!dueling_) return {w, b};
  // Q is linear in the trunk's output z: V(z) + A(z) - mean A(z) = (w_v + W_A - mean W_A) z + ...
  const int64_t d = w.size(1);
  auto w3 = w.view({heads_, choices_, d});
  auto b2 = b.view({heads_, choices_});
  auto wq = w3 - w3.mean(1, true) + value_->weight.view({1, 1, d});
  auto bq = b2 - b2.mean(1, true) + value_->bias.view({1, 1});
  return {wq.reshape({heads_ * choices_, d}).contiguous(), bq.reshape({heads_ * choices_}).contiguous()};
}

DqnTrainer::DqnTrainer(std::unique_ptr<TrainEnvs> envs, const DqnConfig& config)
    : config_(config),
      envs_(std::move(envs)),
      gen_(at::make_generator<at::CPUGeneratorImpl>(Rng::Derive(config.seed, 0xD9A1))),
      obs_norm_(envs_->obs_size(), config.normalize_obs) {}

StatusOr<std::unique_ptr<DqnTrainer>> DqnTrainer::Create(std::unique_ptr<TrainEnvs> envs, const DqnConfig& config) {
  PP_RETURN_IF_ERROR(ValidateDqnConfig(config));
  if (envs == nullptr) return InvalidArgumentError("dqn: no environments");
  SetTorchThreads(config.torch_threads);
  std::unique_ptr<DqnTrainer> t(new DqnTrainer(std::move(envs), config));
  t->heads_ = t->envs_->num_heads();
  t->choices_ = t->envs_->action_layout().choices();
  t->obs_size_ = t->envs_->obs_size();
  torch::manual_seed(Rng::Derive(config.seed, 0x1417));
  t->q_ = QNet(t->obs_size_, config.hidden, t->heads_, t->choices_, config.dueling);
  t->target_ = QNet(t->obs_size_, config.hidden, t->heads_, t->choices_, config.dueling);
  {
    torch::NoGradGuard no_grad;
    auto src = t->q_->parameters(), dst = t->target_->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  t->target_->eval();
  t->optimizer_ = std::make_unique<torch::optim::Adam>(t->q_->parameters(), torch::optim::AdamOptions(config.learning_rate));
  const int64_t cap = config.buffer_size, f = t->obs_size_;
  t->obs_buf_ = torch::zeros({cap, f});
  t->next_buf_ = torch::zeros({cap, f});
  t->act_buf_ = torch::zeros({cap, t->heads_}, torch::kInt64);
  t->ret_buf_ = torch::zeros({cap});
  t->disc_buf_ = torch::zeros({cap});
  t->nstep_.resize(t->envs_->num_envs());
  return t;
}

std::vector<std::string> DqnTrainer::MetricNames() const { return {"epsilon", "loss", "q_mean", "replay_size"}; }

double DqnTrainer::Epsilon() const {
  const double horizon = config_.exploration_fraction * config_.total_timesteps;
  const double p = horizon > 0 ? std::min(1.0, global_step_ / horizon) : 1.0;
  return config_.exploration_initial + p * (config_.exploration_final - config_.exploration_initial);
}

void DqnTrainer::EmitFront(std::deque<Pending>& window, const float* next_obs) {
  double ret = 0, disc = 1;
  for (const auto& p : window) {
    ret += disc * p.reward;
    disc *= config_.gamma;
  }
  const Pending& first = window.front();
  const int64_t f = obs_size_;
  std::copy(first.obs.begin(), first.obs.end(), obs_buf_.data_ptr<float>() + pos_ * f);
  std::copy(next_obs, next_obs + f, next_buf_.data_ptr<float>() + pos_ * f);
  std::copy(first.actions.begin(), first.actions.end(), act_buf_.data_ptr<int64_t>() + pos_ * heads_);
  ret_buf_.data_ptr<float>()[pos_] = static_cast<float>(ret);
  disc_buf_.data_ptr<float>()[pos_] = static_cast<float>(disc);  // never terminal (train_env.h)
  pos_ = (pos_ + 1) % config_.buffer_size;
  size_ = std::min(size_ + 1, config_.buffer_size);
  window.pop_front();
}

double DqnTrainer::TrainStep() {
  const int64_t b = config_.batch_size, f = obs_size_;
  auto idx = torch::randint(size_, {b}, gen_, torch::kInt64);
  auto raw = obs_buf_.index_select(0, idx).contiguous();
  auto raw_next = next_buf_.index_select(0, idx).contiguous();
  auto x = torch::empty({b, f}), xn = torch::empty({b, f});
  obs_norm_.Normalize(raw.data_ptr<float>(), static_cast<int>(b), x.data_ptr<float>());
  obs_norm_.Normalize(raw_next.data_ptr<float>(), static_cast<int>(b), xn.data_ptr<float>());
  auto actions = act_buf_.index_select(0, idx);
  torch::Tensor y;
  {
    torch::NoGradGuard no_grad;
    auto q_next_online = config_.double_dqn ? q_->forward(xn) : torch::Tensor();
    auto q_next_target = target_->forward(xn);
    y = DqnTargets(q_next_online, q_next_target, ret_buf_.index_select(0, idx), disc_buf_.index_select(0, idx),
                   config_.double_dqn);
  }
  auto q = q_->forward(x).gather(-1, actions.unsqueeze(-1)).squeeze(-1);  // [B, H]
  auto loss = torch::smooth_l1_loss(q, y);
  optimizer_->zero_grad();
  loss.backward();
  torch::nn::utils::clip_grad_norm_(q_->parameters(), config_.max_grad_norm);
  optimizer_->step();
  ++grad_steps_;
  {
    torch::NoGradGuard no_grad;
    auto src = q_->parameters(), dst = target_->parameters();
    if (config_.tau >= 1.0) {
      if (grad_steps_ % config_.target_update_interval == 0) {
        for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
      }
    } else {
      for (size_t i = 0; i < src.size(); ++i) dst[i].mul_(1.0 - config_.tau).add_(src[i], config_.tau);
    }
  }
  return loss.item<double>();
}

StatusOr<UpdateStats> DqnTrainer::Update() {
  const int n = envs_->num_envs(), f = obs_size_, h = heads_;
  std::vector<float> x(static_cast<size_t>(n) * f);
  std::vector<int32_t> env_actions(static_cast<size_t>(n) * h);
  std::vector<uint8_t> fake(n);
  std::vector<std::vector<float>> prev_obs(n);
  double reward_sum = 0, loss_sum = 0, q_sum = 0;
  int64_t real_steps = 0, losses = 0, q_count = 0;
  double eps = Epsilon();
  for (int s = 0; s < config_.steps_per_update; ++s) {
    const float* raw = envs_->obs().data();
    obs_norm_.Update(raw, n);
    obs_norm_.Normalize(raw, n, x.data());
    for (int i = 0; i < n; ++i) fake[i] = envs_->truncated()[i];
    eps = Epsilon();
    {
      torch::NoGradGuard no_grad;
      q_->eval();
      auto q = q_->forward(torch::from_blob(x.data(), {n, f}, torch::kFloat32));
      q_sum += std::get<0>(q.max(-1)).mean().item<double>();
      ++q_count;
      auto greedy = q.argmax(-1);
      auto explore = torch::rand({n, h}, gen_) < eps;
      auto random = torch::randint(choices_, {n, h}, gen_, torch::kInt64);
      auto a = torch::where(explore, random, greedy).contiguous();
      const int64_t* ap = a.data_ptr<int64_t>();
      for (size_t k = 0; k < env_actions.size(); ++k) env_actions[k] = static_cast<int32_t>(ap[k]);
      q_->train();
    }
    for (int i = 0; i < n; ++i) {
      if (!fake[i]) prev_obs[i].assign(raw + static_cast<size_t>(i) * f, raw + static_cast<size_t>(i + 1) * f);
    }
    PP_RETURN_IF_ERROR(envs_->Step(env_actions.data()));
    const float* next = envs_->obs().data();
    int64_t step_real = 0;
    for (int i = 0; i < n; ++i) {
      if (fake[i]) continue;  // the autoreset step: no transition
      const float r = envs_->rewards()[i];
      reward_sum += r;
      ++real_steps;
      ++step_real;
      Pending p;
      p.obs = std::move(prev_obs[i]);
      p.actions.assign(env_actions.begin() + static_cast<size_t>(i) * h, env_actions.begin() + static_cast<size_t>(i + 1) * h);
      p.reward = static_cast<float>(r * config_.reward_scale);
      auto& window = nstep_[i];
      window.push_back(std::move(p));
      const float* next_i = next + static_cast<size_t>(i) * f;
      if (static_cast<int>(window.size()) == config_.n_step) EmitFront(window, next_i);
      if (envs_->truncated()[i]) {
        // Episode over: the shorter returns of the remaining entries bootstrap from the final obs.
        while (!window.empty()) EmitFront(window, next_i);
      }
    }
    global_step_ += step_real;
    ++vector_steps_;
    if (global_step_ >= config_.learning_starts && size_ >= config_.batch_size && vector_steps_ % config_.train_freq == 0) {
      for (int g = 0; g < config_.gradient_steps; ++g) {
        loss_sum += TrainStep();
        ++losses;
      }
    }
  }
  ++updates_;
  UpdateStats st;
  st.update = updates_;
  st.global_step = global_step_;
  st.mean_step_reward = real_steps > 0 ? reward_sum / real_steps : 0.0;
  st.metrics = {{"epsilon", eps},
                {"loss", losses > 0 ? loss_sum / losses : 0.0},
                {"q_mean", q_count > 0 ? q_sum / q_count / config_.reward_scale : 0.0},
                {"replay_size", static_cast<double>(size_)}};
  return st;
}

StatusOr<learned::LearnedModel> DqnTrainer::Export(const std::string& suite) const {
  learned::FeatureLayout features = envs_->feature_layout();
  features.normalization = obs_norm_.Export();
  learned::Provenance p;
  p.trainer = "dqn";
  p.timesteps = global_step_;
  p.suite = suite;
  p.seed = config_.seed;
  auto [w, b] = q_->FoldedHead();
  return ExportModelWithHead(q_->trunk(), w, b, features, envs_->action_layout(), p);
}

StatusOr<CheckpointData> DqnTrainer::Save() const {
  CheckpointData d;
  d.update = updates_;
  d.state = {{"trainer", "dqn"},          {"global_step", global_step_}, {"updates", updates_},
             {"grad_steps", grad_steps_}, {"vector_steps", vector_steps_}, {"obs_size", obs_size_},
             {"heads", heads_},           {"choices", choices_},        {"hidden", config_.hidden},
             {"dueling", config_.dueling}, {"buffer_size", config_.buffer_size}, {"replay_pos", pos_},
             {"replay_size", size_},      {"obs_norm", obs_norm_.stats().ToJson()}};
  d.blobs["q"] = SaveToBytes(*q_);
  d.blobs["target"] = SaveToBytes(*target_);
  d.blobs["optimizer"] = SaveToBytes(*optimizer_);
  d.blobs["rng"] = TensorToBytes(gen_.get_state());
  d.blobs["replay_obs"] = TensorToBytes(obs_buf_.slice(0, 0, size_));
  d.blobs["replay_next"] = TensorToBytes(next_buf_.slice(0, 0, size_));
  d.blobs["replay_actions"] = TensorToBytes(act_buf_.slice(0, 0, size_));
  d.blobs["replay_returns"] = TensorToBytes(ret_buf_.slice(0, 0, size_));
  d.blobs["replay_discounts"] = TensorToBytes(disc_buf_.slice(0, 0, size_));
  return d;
}

Status DqnTrainer::Restore(const CheckpointData& d) {
  const std::string where = "checkpoint (update " + std::to_string(d.update) + ")";
  try {
    if (d.state.at("trainer").get<std::string>() != "dqn") {
      return InvalidArgumentError(where + ": trainer is " + d.state.at("trainer").dump() + ", not dqn");
    }
    if (d.state.at("obs_size").get<int>() != obs_size_ || d.state.at("heads").get<int>() != heads_ ||
        d.state.at("choices").get<int>() != choices_ || d.state.at("hidden").get<std::vector<int>>() != config_.hidden ||
        d.state.at("dueling").get<bool>() != config_.dueling ||
        d.state.at("buffer_size").get<int64_t>() != config_.buffer_size) {
      return InvalidArgumentError(where + ": networks or replay buffer differ (features, targets, actions, hidden, "
                                  "dueling or buffer size)");
    }
    PP_RETURN_IF_ERROR(obs_norm_.stats().FromJson(d.state.at("obs_norm"), where + " obs_norm"));
    for (const char* blob : {"q", "target", "optimizer", "rng", "replay_obs", "replay_next", "replay_actions",
                             "replay_returns", "replay_discounts"}) {
      if (!d.blobs.count(blob)) return DataLossError(where + ": missing " + blob);
    }
    LoadFromBytes(*q_, d.blobs.at("q"));
    LoadFromBytes(*target_, d.blobs.at("target"));
    LoadFromBytes(*optimizer_, d.blobs.at("optimizer"));
    gen_.set_state(TensorFromBytes(d.blobs.at("rng")));
    const int64_t size = d.state.at("replay_size").get<int64_t>();
    const int64_t pos = d.state.at("replay_pos").get<int64_t>();
    if (size < 0 || size > config_.buffer_size || pos < 0 || pos >= config_.buffer_size) {
      return DataLossError(where + ": replay size/pos out of range");
    }
    torch::NoGradGuard no_grad;
    auto load = [&](const char* name, torch::Tensor& buf) -> Status {
      auto t = TensorFromBytes(d.blobs.at(name));
      if (t.size(0) != size || t.dim() != buf.dim() || t.scalar_type() != buf.scalar_type() ||
          (t.dim() == 2 && t.size(1) != buf.size(1))) {
        return DataLossError(where + ": " + name + " has the wrong shape");
      }
      buf.slice(0, 0, size).copy_(t);
      return Status::Ok();
    };
    PP_RETURN_IF_ERROR(load("replay_obs", obs_buf_));
    PP_RETURN_IF_ERROR(load("replay_next", next_buf_));
    PP_RETURN_IF_ERROR(load("replay_actions", act_buf_));
    PP_RETURN_IF_ERROR(load("replay_returns", ret_buf_));
    PP_RETURN_IF_ERROR(load("replay_discounts", disc_buf_));
    size_ = size;
    pos_ = pos;
    global_step_ = d.state.at("global_step").get<int64_t>();
    updates_ = d.state.at("updates").get<int64_t>();
    grad_steps_ = d.state.at("grad_steps").get<int64_t>();
    vector_steps_ = d.state.at("vector_steps").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(where + ": " + e.what());
  } catch (const c10::Error& e) {
    return DataLossError(where + ": " + e.what_without_backtrace());
  }
  for (auto& w : nstep_) w.clear();
  return envs_->Reset(Rng::Derive(config_.seed, 0xC0DE0000ULL + static_cast<uint64_t>(global_step_)));
}

}  // namespace podpilot::rl
