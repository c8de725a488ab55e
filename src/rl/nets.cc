#include "rl/nets.h"

#include <cmath>
#include <sstream>

namespace podpilot::rl {

MlpImpl::MlpImpl(int input, const std::vector<int>& hidden, int output, double out_gain, learned::Activation activation)
    : activation_(activation) {
  int in = input;
  for (size_t i = 0; i < hidden.size(); ++i) {
    auto layer = register_module("hidden" + std::to_string(i), torch::nn::Linear(in, hidden[i]));
    torch::NoGradGuard guard;
    torch::nn::init::orthogonal_(layer->weight, std::sqrt(2.0));
    torch::nn::init::zeros_(layer->bias);
    hidden_.push_back(layer);
    in = hidden[i];
  }
  out_ = register_module("out", torch::nn::Linear(in, output));
  torch::NoGradGuard guard;
  torch::nn::init::orthogonal_(out_->weight, out_gain);
  torch::nn::init::zeros_(out_->bias);
}

torch::Tensor MlpImpl::Trunk(torch::Tensor x) {
  for (auto& layer : hidden_) {
    x = layer->forward(x);
    x = activation_ == learned::Activation::kTanh ? torch::tanh(x) : torch::relu(x);
  }
  return x;
}

torch::Tensor MlpImpl::forward(torch::Tensor x) { return out_->forward(Trunk(std::move(x))); }

learned::LinearLayer ToLinearLayer(const torch::Tensor& weight, const torch::Tensor& bias) {
  learned::LinearLayer l;
  const torch::Tensor w = weight.detach().to(torch::kFloat32).contiguous();
  const torch::Tensor b = bias.detach().to(torch::kFloat32).contiguous();
  l.out = static_cast<int>(w.size(0));
  l.in = static_cast<int>(w.size(1));
  l.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  l.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
  return l;
}

void SetTorchThreads(int threads) {
  if (threads > 0) torch::set_num_threads(threads);
}

std::string SaveToBytes(const torch::nn::Module& module) {
  std::ostringstream out;
  torch::serialize::OutputArchive archive;
  module.save(archive);
  archive.save_to(out);
  return out.str();
}

void LoadFromBytes(torch::nn::Module& module, const std::string& bytes) {
  std::istringstream in(bytes);
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  module.load(archive);
}

std::string SaveToBytes(const torch::optim::Optimizer& optimizer) {
  std::ostringstream out;
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.save_to(out);
  return out.str();
}

void LoadFromBytes(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  std::istringstream in(bytes);
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  optimizer.load(archive);
}

std::string TensorToBytes(const torch::Tensor& t) {
  std::ostringstream out;
  torch::save(t, out);
  return out.str();
}

torch::Tensor TensorFromBytes(const std::string& bytes) {
  std::istringstream in(bytes);
  torch::Tensor t;
  torch::load(t, in);
  return t;
}

}  // namespace podpilot::rl
