// CPU kernels of the local weighted-sum ops (see common/local_ops.h).
// Parallel over independent output rows / planes; the inner loops run along x,
// contiguous in the weight and the output.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "local_ops.h"

namespace mmwsss {
namespace {

inline bool source(int64_t iy, int64_t ix, int64_t H, int64_t W, int64_t pad_mode,
                   int64_t& sy, int64_t& sx) {
  if (pad_mode == 1) {
    sy = std::min<int64_t>(std::max<int64_t>(iy, 0), H - 1);
    sx = std::min<int64_t>(std::max<int64_t>(ix, 0), W - 1);
    return true;
  }
  sy = iy;
  sx = ix;
  return iy >= 0 && iy < H && ix >= 0 && ix < W;
}

// For output row y and tap (dy, dx): the x range [x0, x1) whose input column is
// inside the image (zero padding); replicate padding uses the whole row.
inline void x_range(int64_t dx, int64_t stride, int64_t W, int64_t Wo, int64_t pad_mode,
                    int64_t& x0, int64_t& x1) {
  if (pad_mode == 1) {
    x0 = 0;
    x1 = Wo;
    return;
  }
  // need 0 <= x*stride + dx < W
  x0 = dx >= 0 ? 0 : (-dx + stride - 1) / stride;
  x1 = W - dx <= 0 ? 0 : (W - dx + stride - 1) / stride;
  x0 = std::min(std::max<int64_t>(x0, 0), Wo);
  x1 = std::min(std::max<int64_t>(x1, 0), Wo);
}

template <typename scalar_t>
void forward_kernel(const scalar_t* in, const scalar_t* w, const int* off, scalar_t* out,
                    int64_t B, int64_t C, int64_t H, int64_t W, int64_t T, int64_t Ho,
                    int64_t Wo, int64_t stride, int64_t pad_mode) {
  at::parallel_for(0, B * Ho, 1, [&](int64_t begin, int64_t end) {
    for (int64_t by = begin; by < end; ++by) {
      const int64_t b = by / Ho, y = by % Ho;
      for (int64_t c = 0; c < C; ++c) std::fill_n(out + ((b * C + c) * Ho + y) * Wo, Wo, 0);
      for (int64_t t = 0; t < T; ++t) {
        const int64_t dy = off[2 * t], dx = off[2 * t + 1];
        int64_t sy, sx;
        if (!source(y * stride + dy, 0, H, W, pad_mode, sy, sx) && pad_mode == 0) continue;
        int64_t x0, x1;
        x_range(dx, stride, W, Wo, pad_mode, x0, x1);
        const scalar_t* wr = w + ((b * T + t) * Ho + y) * Wo;
        for (int64_t c = 0; c < C; ++c) {
          const scalar_t* ir = in + ((b * C + c) * H + sy) * W;
          scalar_t* o = out + ((b * C + c) * Ho + y) * Wo;
          if (pad_mode == 1) {
            for (int64_t x = 0; x < Wo; ++x) {
              const int64_t ix = std::min<int64_t>(std::max<int64_t>(x * stride + dx, 0), W - 1);
              o[x] += wr[x] * ir[ix];
            }
          } else if (stride == 1) {
            const scalar_t* irs = ir + dx;
            for (int64_t x = x0; x < x1; ++x) o[x] += wr[x] * irs[x];
          } else {
            for (int64_t x = x0; x < x1; ++x) o[x] += wr[x] * ir[x * stride + dx];
          }
        }
      }
    }
  });
}

template <typename scalar_t>
void backward_input_kernel(const scalar_t* go, const scalar_t* w, const int* off, scalar_t* gi,
                           int64_t B, int64_t C, int64_t H, int64_t W, int64_t T, int64_t Ho,
                           int64_t Wo, int64_t stride, int64_t pad_mode) {
  // each task owns one (b, c) input plane: no two threads write the same element
  at::parallel_for(0, B * C, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bc = begin; bc < end; ++bc) {
      const int64_t b = bc / C;
      scalar_t* g = gi + bc * H * W;
      std::fill_n(g, H * W, 0);
      for (int64_t y = 0; y < Ho; ++y) {
        const scalar_t* gor = go + (bc * Ho + y) * Wo;
        for (int64_t t = 0; t < T; ++t) {
          const int64_t dy = off[2 * t], dx = off[2 * t + 1];
          int64_t sy, sx;
          if (!source(y * stride + dy, 0, H, W, pad_mode, sy, sx) && pad_mode == 0) continue;
          const scalar_t* wr = w + ((b * T + t) * Ho + y) * Wo;
          scalar_t* gr = g + sy * W;
          if (pad_mode == 1) {
            for (int64_t x = 0; x < Wo; ++x) {
              const int64_t ix = std::min<int64_t>(std::max<int64_t>(x * stride + dx, 0), W - 1);
              gr[ix] += wr[x] * gor[x];
            }
          } else {
            int64_t x0, x1;
            x_range(dx, stride, W, Wo, pad_mode, x0, x1);
            for (int64_t x = x0; x < x1; ++x) gr[x * stride + dx] += wr[x] * gor[x];
          }
        }
      }
    }
  });
}

template <typename scalar_t>
void local_dot_kernel(const scalar_t* a, const scalar_t* bt, const int* off, scalar_t* res,
                      int64_t B, int64_t C, int64_t H, int64_t W, int64_t T, int64_t Ho,
                      int64_t Wo, int64_t stride, int64_t pad_mode) {
  at::parallel_for(0, B * Ho, 1, [&](int64_t begin, int64_t end) {
    for (int64_t by = begin; by < end; ++by) {
      const int64_t b = by / Ho, y = by % Ho;
      for (int64_t t = 0; t < T; ++t) {
        scalar_t* r = res + ((b * T + t) * Ho + y) * Wo;
        std::fill_n(r, Wo, 0);
        const int64_t dy = off[2 * t], dx = off[2 * t + 1];
        int64_t sy, sx;
        if (!source(y * stride + dy, 0, H, W, pad_mode, sy, sx) && pad_mode == 0) continue;
        int64_t x0, x1;
        x_range(dx, stride, W, Wo, pad_mode, x0, x1);
        for (int64_t c = 0; c < C; ++c) {
          const scalar_t* ar = a + ((b * C + c) * Ho + y) * Wo;
          const scalar_t* br = bt + ((b * C + c) * H + sy) * W;
          if (pad_mode == 1) {
            for (int64_t x = 0; x < Wo; ++x) {
              const int64_t ix = std::min<int64_t>(std::max<int64_t>(x * stride + dx, 0), W - 1);
              r[x] += ar[x] * br[ix];
            }
          } else {
            for (int64_t x = x0; x < x1; ++x) r[x] += ar[x] * br[x * stride + dx];
          }
        }
      }
    }
  });
}

template <typename scalar_t>
void walk_kernel(const scalar_t* seeds, const scalar_t* w, const int* off, scalar_t* cur,
                 scalar_t* nxt, int64_t B, int64_t C, int64_t H, int64_t W, int64_t T,
                 int64_t num_steps, bool clamp) {
  const int64_t HW = H * W;
  // the labelled pixels (seed scores summing to > 0), as (b, pixel) pairs
  std::vector<int64_t> labelled;
  if (clamp) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t p = 0; p < HW; ++p) {
        scalar_t s = 0;
        for (int64_t c = 0; c < C; ++c) s += seeds[(b * C + c) * HW + p];
        if (s > 0) labelled.push_back(b * HW + p);
      }
  }
  std::copy_n(seeds, B * C * HW, cur);
  for (int64_t step = 0; step < num_steps; ++step) {
    forward_kernel<scalar_t>(cur, w, off, nxt, B, C, H, W, T, H, W, 1, 0);
    for (const int64_t bp : labelled) {
      const int64_t b = bp / HW, p = bp % HW;
      for (int64_t c = 0; c < C; ++c) nxt[(b * C + c) * HW + p] = seeds[(b * C + c) * HW + p];
    }
    std::swap(cur, nxt);
  }
}

}  // namespace

void local_walk_cpu(const at::Tensor& seeds, const at::Tensor& weight, const at::Tensor& offsets,
                    at::Tensor& out, int64_t num_steps, bool clamp) {
  const auto off = offsets.contiguous();
  at::Tensor buf = at::empty_like(seeds);
  AT_DISPATCH_FLOATING_TYPES(seeds.scalar_type(), "local_walk_cpu", [&] {
    scalar_t* a = out.data_ptr<scalar_t>();
    scalar_t* b = buf.data_ptr<scalar_t>();
    walk_kernel<scalar_t>(seeds.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(),
                          off.data_ptr<int>(), a, b, seeds.size(0), seeds.size(1),
                          seeds.size(2), seeds.size(3), weight.size(1), num_steps, clamp);
    // after an odd number of steps the result is in the second buffer
    if (num_steps % 2 == 1) out.copy_(buf);
  });
}

void local_weighted_sum_forward_cpu(const at::Tensor& input, const at::Tensor& weight,
                                    const at::Tensor& offsets, at::Tensor& out, int64_t stride,
                                    int64_t pad_mode) {
  const auto off = offsets.contiguous();
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "local_weighted_sum_forward_cpu", [&] {
    forward_kernel<scalar_t>(input.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(),
                             off.data_ptr<int>(), out.data_ptr<scalar_t>(), input.size(0),
                             input.size(1), input.size(2), input.size(3), weight.size(1),
                             out.size(2), out.size(3), stride, pad_mode);
  });
}

void local_weighted_sum_backward_input_cpu(const at::Tensor& grad_out, const at::Tensor& weight,
                                           const at::Tensor& offsets, at::Tensor& grad_input,
                                           int64_t stride, int64_t pad_mode) {
  const auto off = offsets.contiguous();
  AT_DISPATCH_FLOATING_TYPES(grad_out.scalar_type(), "local_weighted_sum_backward_cpu", [&] {
    backward_input_kernel<scalar_t>(
        grad_out.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(), off.data_ptr<int>(),
        grad_input.data_ptr<scalar_t>(), grad_input.size(0), grad_input.size(1),
        grad_input.size(2), grad_input.size(3), weight.size(1), grad_out.size(2),
        grad_out.size(3), stride, pad_mode);
  });
}

void local_dot_cpu(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
                   at::Tensor& res, int64_t stride, int64_t pad_mode) {
  const auto off = offsets.contiguous();
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "local_dot_cpu", [&] {
    local_dot_kernel<scalar_t>(a.data_ptr<scalar_t>(), b.data_ptr<scalar_t>(),
                               off.data_ptr<int>(), res.data_ptr<scalar_t>(), b.size(0),
                               b.size(1), b.size(2), b.size(3), res.size(1), res.size(2),
                               res.size(3), stride, pad_mode);
  });
}

}  // namespace mmwsss
