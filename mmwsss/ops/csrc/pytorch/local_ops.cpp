// Python bindings and device dispatch of the local weighted-sum ops.
#include "local_ops.h"

namespace mmwsss {
namespace {

// The Python API (mmwsss/ops/checks.py) checks every argument first; these
// checks keep a direct call of the extension from reading out of bounds.
void check_inputs(const char* op, const at::Tensor& input, const at::Tensor& weight,
                  const at::Tensor& offsets, const at::Tensor& out, int64_t stride,
                  int64_t pad_mode) {
  TORCH_CHECK(input.dim() == 4 && weight.dim() == 4 && out.dim() == 4, op,
              ": input, weight and out must be 4-D");
  TORCH_CHECK(offsets.dim() == 2 && offsets.size(1) == 2 &&
                  offsets.scalar_type() == at::kInt,
              op, ": offsets must be an int32 (T, 2) tensor");
  TORCH_CHECK(weight.size(1) == offsets.size(0), op, ": weight has ", weight.size(1),
              " taps, offsets ", offsets.size(0));
  TORCH_CHECK(input.size(0) == weight.size(0) && out.size(0) == input.size(0), op,
              ": batch sizes differ");
  TORCH_CHECK(weight.size(2) == out.size(2) && weight.size(3) == out.size(3), op,
              ": weight and output sizes differ");
  TORCH_CHECK(input.size(2) >= 1 && input.size(3) >= 1, op,
              ": the input must have a non-empty (H, W)");
  TORCH_CHECK(input.device() == weight.device() && out.device() == input.device(), op,
              ": tensors must be on one device, got ", input.device(), ", ", weight.device(),
              " and ", out.device());
  TORCH_CHECK(offsets.device().is_cpu() || offsets.device() == input.device(), op,
              ": offsets must be on the CPU or on ", input.device(), ", got ", offsets.device());
  TORCH_CHECK(input.is_contiguous() && weight.is_contiguous() && out.is_contiguous(), op,
              ": tensors must be contiguous");
  TORCH_CHECK(input.scalar_type() == weight.scalar_type() &&
                  out.scalar_type() == input.scalar_type(),
              op, ": dtypes differ");
  TORCH_CHECK(stride >= 1, op, ": stride must be >= 1, got ", stride);
  TORCH_CHECK(pad_mode == 0 || pad_mode == 1, op,
              ": pad_mode must be 0 (zeros) or 1 (replicate), got ", pad_mode);
}

bool on_cuda(const at::Tensor& t) { return t.device().is_cuda(); }

[[noreturn]] void no_cuda() {
  TORCH_CHECK(false, "mmwsss._ext was built without CUDA; reinstall with a CUDA toolkit "
                     "(or FORCE_CUDA=1) to run these ops on the GPU");
}

}  // namespace

void forward(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offsets,
             at::Tensor out, int64_t stride, int64_t pad_mode) {
  check_inputs("local_weighted_sum", input, weight, offsets, out, stride, pad_mode);
  TORCH_CHECK(input.size(1) == out.size(1), "local_weighted_sum: channel counts differ");
  if (on_cuda(input)) {
#ifdef WITH_CUDA
    local_weighted_sum_forward_cuda(input, weight, offsets.to(input.device()), out, stride,
                                    pad_mode);
#else
    no_cuda();
#endif
  } else {
    local_weighted_sum_forward_cpu(input, weight, offsets, out, stride, pad_mode);
  }
}

void backward_input(const at::Tensor& grad_out, const at::Tensor& weight,
                    const at::Tensor& offsets, at::Tensor grad_input, int64_t stride,
                    int64_t pad_mode) {
  check_inputs("local_weighted_sum_backward_input", grad_input, weight, offsets, grad_out,
               stride, pad_mode);
  TORCH_CHECK(grad_input.size(1) == grad_out.size(1),
              "local_weighted_sum_backward_input: channel counts differ");
  if (on_cuda(grad_out)) {
#ifdef WITH_CUDA
    local_weighted_sum_backward_input_cuda(grad_out, weight, offsets.to(grad_out.device()),
                                           grad_input, stride, pad_mode);
#else
    no_cuda();
#endif
  } else {
    local_weighted_sum_backward_input_cpu(grad_out, weight, offsets, grad_input, stride,
                                          pad_mode);
  }
}

void local_dot(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
               at::Tensor res, int64_t stride, int64_t pad_mode) {
  check_inputs("local_dot", b, res, offsets, a, stride, pad_mode);
  TORCH_CHECK(a.size(1) == b.size(1), "local_dot: channel counts differ");
  if (on_cuda(a)) {
#ifdef WITH_CUDA
    local_dot_cuda(a, b, offsets.to(a.device()), res, stride, pad_mode);
#else
    no_cuda();
#endif
  } else {
    local_dot_cpu(a, b, offsets, res, stride, pad_mode);
  }
}

void local_walk(const at::Tensor& seeds, const at::Tensor& weight, const at::Tensor& offsets,
                at::Tensor out, int64_t num_steps, bool clamp) {
  check_inputs("local_walk", seeds, weight, offsets, out, 1, 0);
  TORCH_CHECK(seeds.sizes() == out.sizes() && weight.size(2) == seeds.size(2) &&
                  weight.size(3) == seeds.size(3),
              "local_walk: seeds, weight and out must share (B, C, H, W) / (H, W)");
  TORCH_CHECK(seeds.device().is_cpu(), "local_walk: CPU tensors only, got ", seeds.device());
  TORCH_CHECK(num_steps >= 0, "local_walk: num_steps must be >= 0");
  local_walk_cpu(seeds, weight, offsets, out, num_steps, clamp);
}

bool with_cuda() {
#ifdef WITH_CUDA
  return true;
#else
  return false;
#endif
}

}  // namespace mmwsss
