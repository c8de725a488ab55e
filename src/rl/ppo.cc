#include "rl/ppo.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/rng.h"
#include "rl/export.h"
#include "rl/gae.h"

namespace podpilot::rl {
namespace {

// Checks every head has the same number of choices (true of every ActionLayout), so logits can
// be viewed as [batch, heads, choices].
Status CheckUniformHeads(const learned::ActionLayout& a) {
  for (int n : a.nvec()) {
    if (n != a.choices()) return InvalidArgumentError("ppo: heads of different sizes are not supported");
  }
  return Status::Ok();
}

// Sum over heads of log pi(a_h | s) and of the heads' entropies.
std::pair<torch::Tensor, torch::Tensor> LogProbEntropy(const torch::Tensor& logits, const torch::Tensor& actions,
                                                       int heads, int choices) {
  auto logp_all = torch::log_softmax(logits.view({-1, heads, choices}), -1);
  auto logp = logp_all.gather(-1, actions.unsqueeze(-1)).squeeze(-1).sum(-1);
  auto entropy = -(logp_all.exp() * logp_all).sum(-1).sum(-1);
  return {logp, entropy};
}

}  // namespace

Status ValidatePpoConfig(const PpoConfig& c) {
  auto bad = [](const std::string& field, double v) {
    return InvalidArgumentError("ppo: " + field + " " + std::to_string(v) + " out of range");
  };
  if (c.total_timesteps < 1) return bad("total_timesteps", static_cast<double>(c.total_timesteps));
  if (c.n_steps < 1 || c.n_steps > 1 << 20) return bad("n_steps", c.n_steps);
  if (c.epochs < 1 || c.epochs > 1000) return bad("epochs", c.epochs);
  if (c.minibatch_size < 2) return bad("minibatch_size", c.minibatch_size);
  if (!(c.learning_rate > 0 && c.learning_rate < 1)) return bad("learning_rate", c.learning_rate);
  if (!(c.gamma > 0 && c.gamma <= 1)) return bad("gamma", c.gamma);
  if (!(c.gae_lambda >= 0 && c.gae_lambda <= 1)) return bad("gae_lambda", c.gae_lambda);
  if (!(c.clip_range > 0)) return bad("clip_range", c.clip_range);
  if (!(c.clip_range_vf >= 0)) return bad("clip_range_vf", c.clip_range_vf);
  if (!(c.ent_coef >= 0)) return bad("ent_coef", c.ent_coef);
  if (!(c.vf_coef >= 0)) return bad("vf_coef", c.vf_coef);
  if (!(c.max_grad_norm > 0)) return bad("max_grad_norm", c.max_grad_norm);
  for (int h : c.hidden) {
    if (h < 1 || h > learned::kMaxLayerWidth) return bad("hidden width", h);
  }
  if (c.hidden.size() > static_cast<size_t>(learned::kMaxHiddenLayers)) return bad("hidden layers", c.hidden.size());
  if (c.initial_choice < -1) return bad("initial_choice", c.initial_choice);
  if (!(c.initial_choice_prob > 0 && c.initial_choice_prob < 1)) return bad("initial_choice_prob", c.initial_choice_prob);
  return Status::Ok();
}

PpoTrainer::PpoTrainer(std::unique_ptr<TrainEnvs> envs, const PpoConfig& config)
    : config_(config),
      envs_(std::move(envs)),
      gen_(at::make_generator<at::CPUGeneratorImpl>(Rng::Derive(config.seed, 0x5A3B))),
      obs_norm_(envs_->obs_size(), config.normalize_obs),
      reward_norm_(envs_->num_envs(), config.gamma, config.normalize_reward) {}

StatusOr<std::unique_ptr<PpoTrainer>> PpoTrainer::Create(std::unique_ptr<TrainEnvs> envs, const PpoConfig& config) {
  PP_RETURN_IF_ERROR(ValidatePpoConfig(config));
  if (envs == nullptr) return InvalidArgumentError("ppo: no environments");
  PP_RETURN_IF_ERROR(CheckUniformHeads(envs->action_layout()));
  SetTorchThreads(config.torch_threads);
  std::unique_ptr<PpoTrainer> t(new PpoTrainer(std::move(envs), config));
  t->heads_ = t->envs_->num_heads();
  t->choices_ = t->envs_->action_layout().choices();
  t->obs_size_ = t->envs_->obs_size();
  // The initial weights come from libtorch's global generator: seed it so runs repeat.
  torch::manual_seed(Rng::Derive(config.seed, 0x1417));
  t->actor_ = Mlp(t->obs_size_, config.hidden, t->heads_ * t->choices_, 0.01);
  if (config.initial_choice >= t->choices_) {
    return InvalidArgumentError(
        fmt::format("ppo: initial_choice {} outside the action's {} choices", config.initial_choice, t->choices_));
  }
  if (config.initial_choice >= 0 && t->choices_ > 1) {  // with one choice there is nothing to prefer
    // softmax puts p on the biased choice when its logit exceeds the others' by log(p (n-1) / (1-p)).
    const double p = config.initial_choice_prob;
    const float bias = static_cast<float>(std::log(p * (t->choices_ - 1) / (1 - p)));
    torch::NoGradGuard guard;
    t->actor_->output_layer()->bias.view({t->heads_, t->choices_}).select(1, config.initial_choice).fill_(bias);
  }
  t->critic_ = Mlp(t->obs_size_, config.hidden, 1, 1.0);
  std::vector<torch::Tensor> params = t->actor_->parameters();
  for (auto& p : t->critic_->parameters()) params.push_back(p);
  t->optimizer_ = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(config.learning_rate).eps(1e-5));
  return t;
}

std::vector<std::string> PpoTrainer::MetricNames() const {
  return {"learning_rate", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "explained_variance"};
}

StatusOr<UpdateStats> PpoTrainer::Update() {
  const int n = envs_->num_envs(), t_steps = config_.n_steps, f = obs_size_, h = heads_;
  const size_t total = static_cast<size_t>(t_steps) * n;
  std::vector<float> obs(total * f), logp(total), values(total), rewards(total), scaled(n);
  std::vector<int64_t> actions(total * h);
  std::vector<uint8_t> fake(total), terminated(total, 0);
  std::vector<int32_t> env_actions(static_cast<size_t>(n) * h);
  double reward_sum = 0;
  int64_t real_steps = 0;

  const double progress = std::min(1.0, static_cast<double>(global_step_) / config_.total_timesteps);
  const double lr = config_.linear_lr ? config_.learning_rate * (1.0 - progress) : config_.learning_rate;
  for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);

  actor_->eval();
  critic_->eval();
  {
    torch::NoGradGuard no_grad;
    for (int t = 0; t < t_steps; ++t) {
      const size_t row = static_cast<size_t>(t) * n;
      obs_norm_.Update(envs_->obs().data(), n);
      float* x = obs.data() + row * f;
      obs_norm_.Normalize(envs_->obs().data(), n, x);
      for (int i = 0; i < n; ++i) fake[row + i] = envs_->truncated()[i];
      auto xt = torch::from_blob(x, {n, f}, torch::kFloat32);
      auto logits = actor_->forward(xt);
      auto v = critic_->forward(xt).view({n});
      auto probs = torch::softmax(logits.view({n * h, choices_}), -1);
      auto a = torch::multinomial(probs, 1, /*replacement=*/true, gen_).view({n, h});
      auto lp = LogProbEntropy(logits, a, h, choices_).first;
      const int64_t* ap = a.data_ptr<int64_t>();
      std::copy(ap, ap + static_cast<size_t>(n) * h, actions.begin() + row * h);
      for (size_t k = 0; k < env_actions.size(); ++k) env_actions[k] = static_cast<int32_t>(ap[k]);
      std::copy(lp.data_ptr<float>(), lp.data_ptr<float>() + n, logp.begin() + row);
      std::copy(v.data_ptr<float>(), v.data_ptr<float>() + n, values.begin() + row);

      PP_RETURN_IF_ERROR(envs_->Step(env_actions.data()));
      reward_norm_.Observe(envs_->rewards().data(), envs_->truncated().data(), scaled.data());
      for (int i = 0; i < n; ++i) {
        rewards[row + i] = scaled[i];
        if (!fake[row + i]) {
          reward_sum += envs_->rewards()[i];
          ++real_steps;
        }
      }
    }
  }
  std::vector<float> last_values(n);
  {
    torch::NoGradGuard no_grad;
    std::vector<float> x(static_cast<size_t>(n) * f);
    obs_norm_.Normalize(envs_->obs().data(), n, x.data());
    auto v = critic_->forward(torch::from_blob(x.data(), {n, f}, torch::kFloat32)).view({n});
    std::copy(v.data_ptr<float>(), v.data_ptr<float>() + n, last_values.begin());
  }
  GaeResult gae = ComputeGae(t_steps, n, rewards, values, fake, terminated, last_values, config_.gamma, config_.gae_lambda);

  // Only real transitions train (train_env.h: the autoreset step is not one).
  std::vector<int64_t> valid;
  for (size_t k = 0; k < total; ++k) {
    if (!fake[k]) valid.push_back(static_cast<int64_t>(k));
  }
  const int64_t m = static_cast<int64_t>(valid.size());
  auto idx = torch::from_blob(valid.data(), {m}, torch::kInt64);
  auto obs_t = torch::from_blob(obs.data(), {static_cast<int64_t>(total), f}, torch::kFloat32).index_select(0, idx);
  auto act_t = torch::from_blob(actions.data(), {static_cast<int64_t>(total), h}, torch::kInt64).index_select(0, idx);
  auto logp_t = torch::from_blob(logp.data(), {static_cast<int64_t>(total)}, torch::kFloat32).index_select(0, idx);
  auto val_t = torch::from_blob(values.data(), {static_cast<int64_t>(total)}, torch::kFloat32).index_select(0, idx);
  auto adv_t = torch::from_blob(gae.advantages.data(), {static_cast<int64_t>(total)}, torch::kFloat32).index_select(0, idx);
  auto ret_t = torch::from_blob(gae.returns.data(), {static_cast<int64_t>(total)}, torch::kFloat32).index_select(0, idx);

  actor_->train();
  critic_->train();
  std::vector<torch::Tensor> params = actor_->parameters();
  for (auto& p : critic_->parameters()) params.push_back(p);
  double pg_sum = 0, v_sum = 0, ent_sum = 0, kl_sum = 0, clip_sum = 0;
  int batches = 0;
  for (int epoch = 0; epoch < config_.epochs; ++epoch) {
    auto perm = torch::randperm(m, gen_, torch::kInt64);
    for (int64_t start = 0; start < m; start += config_.minibatch_size) {
      const int64_t end = std::min(m, start + config_.minibatch_size);
      if (end - start < 2) continue;  // a single sample has no advantage spread to normalise
      auto mb = perm.slice(0, start, end);
      auto x = obs_t.index_select(0, mb);
      auto a = act_t.index_select(0, mb);
      auto old_logp = logp_t.index_select(0, mb);
      auto old_v = val_t.index_select(0, mb);
      auto adv = adv_t.index_select(0, mb);
      auto ret = ret_t.index_select(0, mb);
      adv = (adv - adv.mean()) / (adv.std() + 1e-8);
      auto [new_logp, entropy] = LogProbEntropy(actor_->forward(x), a, h, choices_);
      auto log_ratio = new_logp - old_logp;
      auto ratio = log_ratio.exp();
      auto surr = torch::min(ratio * adv, torch::clamp(ratio, 1 - config_.clip_range, 1 + config_.clip_range) * adv);
      auto pg_loss = -surr.mean();
      auto v = critic_->forward(x).view({-1});
      if (config_.clip_range_vf > 0) v = old_v + torch::clamp(v - old_v, -config_.clip_range_vf, config_.clip_range_vf);
      auto v_loss = (ret - v).pow(2).mean();
      auto ent = entropy.mean();
      auto loss = pg_loss + config_.vf_coef * v_loss - config_.ent_coef * ent;
      optimizer_->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(params, config_.max_grad_norm);
      optimizer_->step();
      {
        torch::NoGradGuard no_grad;
        pg_sum += pg_loss.item<double>();
        v_sum += v_loss.item<double>();
        ent_sum += ent.item<double>();
        kl_sum += ((ratio - 1) - log_ratio).mean().item<double>();
        clip_sum += ((ratio - 1).abs() > config_.clip_range).to(torch::kFloat32).mean().item<double>();
      }
      ++batches;
    }
  }
  double explained = 0;
  {
    const double var_ret = ret_t.var().item<double>();
    explained = var_ret > 0 ? 1.0 - (ret_t - val_t).var().item<double>() / var_ret : 0.0;
  }
  global_step_ += real_steps;
  ++updates_;
  UpdateStats s;
  s.update = updates_;
  s.global_step = global_step_;
  s.mean_step_reward = real_steps > 0 ? reward_sum / real_steps : 0.0;
  const double b = std::max(1, batches);
  s.metrics = {{"learning_rate", lr},  {"policy_loss", pg_sum / b}, {"value_loss", v_sum / b},
               {"entropy", ent_sum / b}, {"approx_kl", kl_sum / b},   {"clip_fraction", clip_sum / b},
               {"explained_variance", explained}};
  return s;
}

StatusOr<learned::LearnedModel> PpoTrainer::Export(const std::string& suite) const {
  learned::FeatureLayout features = envs_->feature_layout();
  features.normalization = obs_norm_.Export();
  learned::Provenance p;
  p.trainer = "ppo";
  p.timesteps = global_step_;
  p.suite = suite;
  p.seed = config_.seed;
  return ExportModel(actor_, &critic_, features, envs_->action_layout(), p);
}

StatusOr<CheckpointData> PpoTrainer::Save() const {
  CheckpointData d;
  d.update = updates_;
  d.state = {{"trainer", "ppo"},
             {"global_step", global_step_},
             {"updates", updates_},
             {"obs_size", obs_size_},
             {"heads", heads_},
             {"choices", choices_},
             {"hidden", config_.hidden},
             {"obs_norm", obs_norm_.stats().ToJson()},
             {"reward_norm", reward_norm_.stats().ToJson()}};
  d.blobs["actor"] = SaveToBytes(*actor_);
  d.blobs["critic"] = SaveToBytes(*critic_);
  d.blobs["optimizer"] = SaveToBytes(*optimizer_);
  d.blobs["rng"] = TensorToBytes(gen_.get_state());
  return d;
}

Status PpoTrainer::Restore(const CheckpointData& d) {
  const std::string where = "checkpoint (update " + std::to_string(d.update) + ")";
  try {
    if (d.state.at("trainer").get<std::string>() != "ppo") {
      return InvalidArgumentError(where + ": trainer is " + d.state.at("trainer").dump() + ", not ppo");
    }
    if (d.state.at("obs_size").get<int>() != obs_size_ || d.state.at("heads").get<int>() != heads_ ||
        d.state.at("choices").get<int>() != choices_ || d.state.at("hidden").get<std::vector<int>>() != config_.hidden) {
      return InvalidArgumentError(where + ": networks differ (features, targets, actions or hidden sizes)");
    }
    PP_RETURN_IF_ERROR(obs_norm_.stats().FromJson(d.state.at("obs_norm"), where + " obs_norm"));
    PP_RETURN_IF_ERROR(reward_norm_.stats().FromJson(d.state.at("reward_norm"), where + " reward_norm"));
    for (const char* blob : {"actor", "critic", "optimizer", "rng"}) {
      if (!d.blobs.count(blob)) return DataLossError(where + ": missing " + blob);
    }
    LoadFromBytes(*actor_, d.blobs.at("actor"));
    LoadFromBytes(*critic_, d.blobs.at("critic"));
    LoadFromBytes(*optimizer_, d.blobs.at("optimizer"));
    gen_.set_state(TensorFromBytes(d.blobs.at("rng")));
    global_step_ = d.state.at("global_step").get<int64_t>();
    updates_ = d.state.at("updates").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(where + ": " + e.what());
  } catch (const c10::Error& e) {
    return DataLossError(where + ": " + e.what_without_backtrace());
  }
  std::fill(reward_norm_.returns().begin(), reward_norm_.returns().end(), 0.0);
  return envs_->Reset(Rng::Derive(config_.seed, 0xC0DE0000ULL + static_cast<uint64_t>(global_step_)));
}

}  // namespace podpilot::rl
