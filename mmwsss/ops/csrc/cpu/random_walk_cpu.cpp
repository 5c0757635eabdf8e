// CPU kernel of the dense random walk (see common/random_walk.h).
//
// Y (N x Cp, Cp = C padded to a multiple of 8) stays in cache; A is streamed
// row by row. A tile of R rows x (8 NV) columns keeps R * NV accumulators in
// registers: per column j of A it loads NV vectors of Y[j] and broadcasts R
// entries of A. On x86 CPUs with AVX2 and FMA this runs with 256-bit
// intrinsics (chosen at run time); elsewhere a portable loop is used.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

#include "random_walk.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MMWSSS_X86 1
#endif

namespace mmwsss {
namespace {

constexpr int64_t kRows = 4;  // rows of A per tile

// Y_out[rows] = inv_deg[rows] * (A[rows, :] Y_in), portable version.
void rows_generic(const float* A, const float* inv_deg, const float* Y, float* out, int64_t N,
                  int64_t Cp, int64_t row0, int64_t row1) {
  for (int64_t i = row0; i < row1; ++i) {
    float* o = out + i * Cp;
    std::fill(o, o + Cp, 0.f);
    const float* a = A + i * N;
    for (int64_t j = 0; j < N; ++j) {
      const float w = a[j];
      const float* y = Y + j * Cp;
      for (int64_t c = 0; c < Cp; ++c) o[c] += w * y[c];
    }
    for (int64_t c = 0; c < Cp; ++c) o[c] *= inv_deg[i];
  }
}

#ifdef MMWSSS_X86
// Other tiles (row and column tails).
template <int R, int NV>
__attribute__((target("avx2,fma"))) inline void tile_avx2(const float* A, const float* inv_deg,
                                                          const float* Y, float* out, int64_t N,
                                                          int64_t Cp, int64_t i, int64_t c) {
  __m256 acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  const float* a = A + i * N;
  const float* y = Y + c;
  for (int64_t j = 0; j < N; ++j, y += Cp) {
    __m256 yv[NV];
    for (int v = 0; v < NV; ++v) yv[v] = _mm256_loadu_ps(y + 8 * v);
    for (int r = 0; r < R; ++r) {
      const __m256 w = _mm256_broadcast_ss(a + r * N + j);
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(w, yv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const __m256 s = _mm256_broadcast_ss(inv_deg + i + r);
    for (int v = 0; v < NV; ++v)
      _mm256_storeu_ps(out + (i + r) * Cp + c + 8 * v, _mm256_mul_ps(acc[r][v], s));
  }
}

// The main tile, 4 rows x 24 columns, with its 12 accumulators in named
// registers (an array of __m256 gets spilled to the stack every iteration).
__attribute__((target("avx2,fma"))) void tile_4x24_avx2(const float* A, const float* inv_deg,
                                                        const float* Y, float* out, int64_t N,
                                                        int64_t Cp, int64_t i, int64_t c) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
         c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  const float* a0 = A + i * N;
  const float *a1 = a0 + N, *a2 = a1 + N, *a3 = a2 + N;
  const float* y = Y + c;
  for (int64_t j = 0; j < N; ++j, y += Cp) {
    const __m256 y0 = _mm256_loadu_ps(y), y1 = _mm256_loadu_ps(y + 8),
                 y2 = _mm256_loadu_ps(y + 16);
    __m256 w = _mm256_broadcast_ss(a0 + j);
    c00 = _mm256_fmadd_ps(w, y0, c00);
    c01 = _mm256_fmadd_ps(w, y1, c01);
    c02 = _mm256_fmadd_ps(w, y2, c02);
    w = _mm256_broadcast_ss(a1 + j);
    c10 = _mm256_fmadd_ps(w, y0, c10);
    c11 = _mm256_fmadd_ps(w, y1, c11);
    c12 = _mm256_fmadd_ps(w, y2, c12);
    w = _mm256_broadcast_ss(a2 + j);
    c20 = _mm256_fmadd_ps(w, y0, c20);
    c21 = _mm256_fmadd_ps(w, y1, c21);
    c22 = _mm256_fmadd_ps(w, y2, c22);
    w = _mm256_broadcast_ss(a3 + j);
    c30 = _mm256_fmadd_ps(w, y0, c30);
    c31 = _mm256_fmadd_ps(w, y1, c31);
    c32 = _mm256_fmadd_ps(w, y2, c32);
  }
  const __m256 acc[4][3] = {{c00, c01, c02}, {c10, c11, c12}, {c20, c21, c22}, {c30, c31, c32}};
  for (int r = 0; r < 4; ++r) {
    const __m256 s = _mm256_broadcast_ss(inv_deg + i + r);
    for (int v = 0; v < 3; ++v)
      _mm256_storeu_ps(out + (i + r) * Cp + c + 8 * v, _mm256_mul_ps(acc[r][v], s));
  }
}

template <int R>
__attribute__((target("avx2,fma"))) inline void row_block_avx2(const float* A,
                                                               const float* inv_deg,
                                                               const float* Y, float* out,
                                                               int64_t N, int64_t Cp, int64_t i) {
  int64_t c = 0;
  for (; c + 24 <= Cp; c += 24) {
    if constexpr (R == 4)
      tile_4x24_avx2(A, inv_deg, Y, out, N, Cp, i, c);
    else
      tile_avx2<R, 3>(A, inv_deg, Y, out, N, Cp, i, c);
  }
  if (Cp - c == 16) tile_avx2<R, 2>(A, inv_deg, Y, out, N, Cp, i, c);
  if (Cp - c == 8) tile_avx2<R, 1>(A, inv_deg, Y, out, N, Cp, i, c);
}

__attribute__((target("avx2,fma"))) void rows_avx2(const float* A, const float* inv_deg,
                                                   const float* Y, float* out, int64_t N,
                                                   int64_t Cp, int64_t row0, int64_t row1) {
  int64_t i = row0;
  for (; i + kRows <= row1; i += kRows) row_block_avx2<kRows>(A, inv_deg, Y, out, N, Cp, i);
  for (; i < row1; ++i) row_block_avx2<1>(A, inv_deg, Y, out, N, Cp, i);
}

bool has_avx2() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}
#endif

void step(const float* A, const float* inv_deg, const float* Y, float* out, int64_t N,
          int64_t Cp) {
  // tiles of kRows rows; a grain of 64 rows gives each thread long streams of A
  at::parallel_for(0, (N + kRows - 1) / kRows, 16, [&](int64_t t0, int64_t t1) {
    const int64_t row0 = t0 * kRows, row1 = std::min(N, t1 * kRows);
#ifdef MMWSSS_X86
    if (has_avx2()) return rows_avx2(A, inv_deg, Y, out, N, Cp, row0, row1);
#endif
    rows_generic(A, inv_deg, Y, out, N, Cp, row0, row1);
  });
}

}  // namespace

at::Tensor dense_walk_cpu(const at::Tensor& aff, const at::Tensor& inv_deg,
                          const at::Tensor& scores, int64_t num_steps) {
  const int64_t B = aff.size(0), N = aff.size(1), C = scores.size(2);
  const int64_t Cp = (C + 7) / 8 * 8;
  auto opts = scores.options();
  // two padded buffers, swapped every step
  at::Tensor buf0 = at::zeros({N, Cp}, opts), buf1 = at::zeros({N, Cp}, opts);
  at::Tensor result = at::empty({B, N, C}, opts);
  for (int64_t b = 0; b < B; ++b) {
    buf0.narrow(1, 0, C).copy_(scores[b]);
    const float* A = aff[b].data_ptr<float>();
    const float* d = inv_deg[b].data_ptr<float>();
    float* cur = buf0.data_ptr<float>();
    float* nxt = buf1.data_ptr<float>();
    for (int64_t s = 0; s < num_steps; ++s) {
      step(A, d, cur, nxt, N, Cp);
      std::swap(cur, nxt);
    }
    const at::Tensor final_buf = cur == buf0.data_ptr<float>() ? buf0 : buf1;
    result[b].copy_(final_buf.narrow(1, 0, C));
    // the padding columns stay zero: A Y keeps zero columns zero
  }
  return result;
}

}  // namespace mmwsss
