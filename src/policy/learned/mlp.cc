#include "policy/learned/mlp.h"

#include <cmath>

namespace podpilot::learned {
namespace {

Eigen::VectorXd ToDouble(const std::vector<float>& v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size())).cast<double>();
}

}  // namespace

StatusOr<MlpNet> MlpNet::Create(const LearnedModel& model) {
  PP_RETURN_IF_ERROR(ValidateModel(model, "model"));
  MlpNet net;
  net.input_size_ = model.arch.input;
  net.activation_ = model.arch.activation;
  const FeatureNormalization& n = model.features.normalization;
  net.normalize_ = !n.empty();
  if (net.normalize_) {
    net.mean_ = ToDouble(n.mean);
    net.std_ = ToDouble(n.std);
    net.clip_ = n.clip;
  }
  auto layer = [](const LinearLayer& l) {
    Layer out;
    out.w = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(l.weight.data(), l.out, l.in)
                .cast<double>();
    out.b = ToDouble(l.bias);
    return out;
  };
  net.act_.emplace_back(net.input_size_);
  for (const LinearLayer& l : model.hidden) {
    net.hidden_.push_back(layer(l));
    net.act_.emplace_back(l.out);
  }
  for (const LinearLayer& l : model.heads) net.heads_.push_back(layer(l));
  net.head_sizes_ = model.arch.heads;
  int total = 0;
  for (int h : net.head_sizes_) total += h;
  net.logits_.resize(total);
  return net;
}

bool MlpNet::Forward(const float* features, int32_t* actions) {
  const Eigen::Map<const Eigen::VectorXf> x(features, input_size_);
  Eigen::VectorXd& in = act_[0];
  in = x.cast<double>();
  if (normalize_) {
    in = (in - mean_).cwiseQuotient(std_);
    if (clip_ > 0) in = in.cwiseMax(-clip_).cwiseMin(clip_);
  }
  for (size_t i = 0; i < hidden_.size(); ++i) {
    Eigen::VectorXd& h = act_[i + 1];
    h.noalias() = hidden_[i].w * act_[i];
    h += hidden_[i].b;
    if (activation_ == Activation::kTanh) {
      h = h.array().tanh().matrix();
    } else {
      h = h.cwiseMax(0.0);
    }
  }
  const Eigen::VectorXd& last = act_.back();
  Eigen::Index off = 0;
  for (const Layer& l : heads_) {  // one layer (concat) or one per head, filling logits_ in order
    logits_.segment(off, l.b.size()).noalias() = l.w * last;
    logits_.segment(off, l.b.size()) += l.b;
    off += l.b.size();
  }
  off = 0;
  for (size_t h = 0; h < head_sizes_.size(); ++h) {
    int best = 0;
    for (int k = 0; k < head_sizes_[h]; ++k) {
      const double v = logits_[off + k];
      if (!std::isfinite(v)) return false;
      if (v > logits_[off + best]) best = k;  // strict: the first maximum wins, as torch.argmax
    }
    actions[h] = best;
    off += head_sizes_[h];
  }
  return true;
}

}  // namespace podpilot::learned
