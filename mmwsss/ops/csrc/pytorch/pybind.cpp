// The Python module mmwsss._ext: every op of csrc/pytorch.
#include "local_ops.h"
#include "random_walk.h"

namespace mmwsss {
// pytorch/local_ops.cpp
void forward(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offsets,
             at::Tensor out, int64_t stride, int64_t pad_mode);
void backward_input(const at::Tensor& grad_out, const at::Tensor& weight,
                    const at::Tensor& offsets, at::Tensor grad_input, int64_t stride,
                    int64_t pad_mode);
void local_dot(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
               at::Tensor res, int64_t stride, int64_t pad_mode);
void local_walk(const at::Tensor& seeds, const at::Tensor& weight, const at::Tensor& offsets,
                at::Tensor out, int64_t num_steps, bool clamp);
bool with_cuda();
// pytorch/random_walk.cpp
at::Tensor dense_walk(const at::Tensor& aff, const at::Tensor& inv_deg,
                      const at::Tensor& scores, int64_t num_steps);
}  // namespace mmwsss

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("local_weighted_sum_forward", &mmwsss::forward, "local weighted sum (forward)",
        py::arg("input"), py::arg("weight"), py::arg("offsets"), py::arg("out"),
        py::arg("stride"), py::arg("pad_mode"));
  m.def("local_weighted_sum_backward_input", &mmwsss::backward_input,
        "local weighted sum (gradient of the input)", py::arg("grad_out"), py::arg("weight"),
        py::arg("offsets"), py::arg("grad_input"), py::arg("stride"), py::arg("pad_mode"));
  m.def("local_dot", &mmwsss::local_dot, "local dot products (gradient of the weight)",
        py::arg("a"), py::arg("b"), py::arg("offsets"), py::arg("res"), py::arg("stride"),
        py::arg("pad_mode"));
  m.def("local_walk", &mmwsss::local_walk,
        "num_steps local weighted sums of seeds, clamping the labelled pixels (CPU)",
        py::arg("seeds"), py::arg("weight"), py::arg("offsets"), py::arg("out"),
        py::arg("num_steps"), py::arg("clamp"));
  m.def("dense_walk", &mmwsss::dense_walk,
        "num_steps products with diag(inv_deg) aff of (B, N, C) scores",
        py::arg("aff"), py::arg("inv_deg"), py::arg("scores"), py::arg("num_steps"));
  m.def("with_cuda", &mmwsss::with_cuda, "whether the CUDA kernels were compiled");
}
