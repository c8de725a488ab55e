// The networks of the trainers, as libtorch modules whose layers map one to one onto the model
// file's tensors (policy/learned/model_file.h): nn.Linear layers with tanh (or relu) between
// them, the last layer linear.
//
// Initialisation follows Stable-Baselines3: orthogonal weights with gain sqrt(2) on hidden layers
// and `out_gain` on the output layer (0.01 for policy logits, 1 for values), zero biases.
//
// Thread-safety: as torch::nn::Module (forward is const-safe, training is single-threaded).
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "policy/learned/model_file.h"

namespace podpilot::rl {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int input, const std::vector<int>& hidden, int output, double out_gain,
          learned::Activation activation = learned::Activation::kTanh);
  torch::Tensor forward(torch::Tensor x);
  // The hidden layers' output (the input of the last layer).
  torch::Tensor Trunk(torch::Tensor x);

  const std::vector<torch::nn::Linear>& hidden_layers() const { return hidden_; }
  torch::nn::Linear& output_layer() { return out_; }
  const torch::nn::Linear& output_layer() const { return out_; }
  learned::Activation activation() const { return activation_; }

 private:
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear out_{nullptr};
  learned::Activation activation_;
};
TORCH_MODULE(Mlp);

// The model file's form of one layer (weights copied as float32, [out, in] row-major).
learned::LinearLayer ToLinearLayer(const torch::Tensor& weight, const torch::Tensor& bias);

// Sets intra-op threads for libtorch (the envs want the cores more than 64x64 MLPs do).
// `threads` <= 0 keeps libtorch's default.
void SetTorchThreads(int threads);

// Serialises a module's or optimizer's state with torch::save into bytes, and back.
std::string SaveToBytes(const torch::nn::Module& module);
void LoadFromBytes(torch::nn::Module& module, const std::string& bytes);
std::string SaveToBytes(const torch::optim::Optimizer& optimizer);
void LoadFromBytes(torch::optim::Optimizer& optimizer, const std::string& bytes);
std::string TensorToBytes(const torch::Tensor& t);
torch::Tensor TensorFromBytes(const std::string& bytes);

}  // namespace podpilot::rl
