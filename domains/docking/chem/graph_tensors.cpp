#include "graph_tensors.h"

namespace disco::docking {

torch::Tensor to_tensor(const std::vector<Vec3>& points) {
  auto t = torch::empty({int64_t(points.size()), 3}, torch::kFloat32);
  auto a = t.accessor<float, 2>();
  for (size_t i = 0; i < points.size(); ++i) {
    a[int64_t(i)][0] = float(points[i].x);
    a[int64_t(i)][1] = float(points[i].y);
    a[int64_t(i)][2] = float(points[i].z);
  }
  return t;
}

std::vector<Vec3> from_tensor(const torch::Tensor& points) {
  const auto t = points.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  TORCH_CHECK(t.dim() == 2 && t.size(1) == 3, "from_tensor: expected [N, 3], got ", t.sizes());
  std::vector<Vec3> out(size_t(t.size(0)));
  const double* d = t.data_ptr<double>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = {d[3 * i], d[3 * i + 1], d[3 * i + 2]};
  return out;
}

}  // namespace disco::docking
