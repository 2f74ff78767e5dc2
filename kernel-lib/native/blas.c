/*
 * avalanche-ts's optional native matrix product: row-major C = op(A) op(B) (+ bias, ReLU) through the
 * cblas_sgemm of a BLAS found at run time (OpenBLAS on Linux, Accelerate on macOS), on Float32Arrays
 * that view the wasm backend's heap; and 2-D convolutions (NHWC) with both gradients as im2col /
 * col2im plus that sgemm, the way PyTorch's CPU convolution without oneDNN works; batch norm's
 * training pass and gradient (batchnorm.c). Built at install
 * when a C compiler is present (scripts/build-native.js); without it the wasm backend's own kernels
 * run.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <pthread.h>
#include "kernels.h"

typedef void (*sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static sgemm_fn cblas_sgemm_ptr = NULL;
static set_threads_fn set_threads_ptr = NULL;
static get_threads_fn get_threads_ptr = NULL;
static char library_name[256] = "";

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

/* Finds a BLAS with cblas_sgemm: only fast ones (the reference BLAS is slower than the wasm kernels). */
static int load_blas(void) {
  const char *candidates[] = {
    getenv("AVALANCHE_TS_BLAS_LIBRARY"),
    "libopenblas.so.0", "libopenblasp.so.0", "libopenblas.so",
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
    "libopenblas.dylib",
  };
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    if (!candidates[i] || !candidates[i][0]) continue;
    void *handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) continue;
    sgemm_fn f = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    if (!f) { dlclose(handle); continue; }
    cblas_sgemm_ptr = f;
    set_threads_ptr = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    get_threads_ptr = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    strncpy(library_name, candidates[i], sizeof(library_name) - 1);
    return 1;
  }
  return 0;
}

/* sgemm(transA, transB, M, N, K, A, B, C, bias | null, relu): C[M x N] = op(A) op(B) (+ bias) (ReLU). */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 10) return fail(env, "sgemm: expected 10 arguments");
  if (!cblas_sgemm_ptr) return fail(env, "sgemm: no BLAS loaded");
  bool ta, tb, relu;
  int32_t M, N, K;
  napi_get_value_bool(env, args[0], &ta);
  napi_get_value_bool(env, args[1], &tb);
  napi_get_value_int32(env, args[2], &M);
  napi_get_value_int32(env, args[3], &N);
  napi_get_value_int32(env, args[4], &K);
  size_t la, lb, lc, lbias = 0;
  float *A = floats(env, args[5], &la), *B = floats(env, args[6], &lb), *C = floats(env, args[7], &lc);
  napi_valuetype bias_type;
  napi_typeof(env, args[8], &bias_type);
  float *bias = bias_type == napi_null ? NULL : floats(env, args[8], &lbias);
  napi_get_value_bool(env, args[9], &relu);
  if (!A || !B || !C || (bias_type != napi_null && !bias)) return fail(env, "sgemm: A, B, C (and bias) must be Float32Arrays");
  if (M <= 0 || N <= 0 || K <= 0 || la < (size_t)M * K || lb < (size_t)K * N || lc < (size_t)M * N || (bias && lbias < (size_t)N)) {
    return fail(env, "sgemm: array lengths do not match M, N, K");
  }
  cblas_sgemm_ptr(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
  if (bias || relu) {
    for (int32_t i = 0; i < M; i++) {
      float *row = C + (size_t)i * N;
      for (int32_t j = 0; j < N; j++) {
        float v = row[j] + (bias ? bias[j] : 0.0f);
        row[j] = relu && v < 0.0f ? 0.0f : v;
      }
    }
  }
  return NULL;
}


/* The shape of a convolution: input [B, H, W, C], filter [K, K, C, O], output [B, OH, OW, O]. */
typedef struct { int B, H, W, C, K, S, P, OH, OW, O; } conv_dims;

/* Scratch buffers for im2col, one per worker, grown as needed and kept (one convolution runs at a time). */
#define MAX_WORKERS 64
static float *scratch[MAX_WORKERS];
static size_t scratch_size[MAX_WORKERS];

static float *get_scratch(int worker, size_t n) {
  if (n > scratch_size[worker]) {
    free(scratch[worker]);
    scratch[worker] = (float *)malloc(n * sizeof(float));
    scratch_size[worker] = scratch[worker] ? n : 0;
  }
  return scratch[worker];
}

/* Samples per chunk: im2col of a chunk stays within about 8 MB, so it stays in cache while sgemm reads it. */
static int chunk_samples(const conv_dims *d) {
  size_t per = (size_t)d->OH * d->OW * d->K * d->K * d->C;
  int n = (int)((2u << 20) / (per ? per : 1));
  if (n < 1) n = 1;
  return n > d->B ? d->B : n;
}

static int is_pointwise(const conv_dims *d) { return d->K == 1 && d->S == 1 && d->P == 0; }

/* col[(b, oh, ow), (kh, kw, c)] for samples b0 .. b0 + nb - 1; zero where the window leaves the input. */
static void im2col(const conv_dims *d, const float *x, int b0, int nb, float *col) {
  const int K = d->K, C = d->C, KKC = K * K * C;
  for (int b = 0; b < nb; b++) {
    const float *xb = x + (size_t)(b0 + b) * d->H * d->W * C;
    for (int oh = 0; oh < d->OH; oh++) {
      for (int ow = 0; ow < d->OW; ow++) {
        float *row = col + ((size_t)(b * d->OH + oh) * d->OW + ow) * KKC;
        for (int kh = 0; kh < K; kh++) {
          const int ih = oh * d->S - d->P + kh;
          for (int kw = 0; kw < K; kw++) {
            const int iw = ow * d->S - d->P + kw;
            float *dst = row + (kh * K + kw) * C;
            if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W) memset(dst, 0, C * sizeof(float));
            else memcpy(dst, xb + ((size_t)ih * d->W + iw) * C, C * sizeof(float));
          }
        }
      }
    }
  }
}

/* dx[b0 ..] += the columns put back where im2col took them from. */
static void col2im_add(const conv_dims *d, const float *col, int b0, int nb, float *dx) {
  const int K = d->K, C = d->C, KKC = K * K * C;
  for (int b = 0; b < nb; b++) {
    float *xb = dx + (size_t)(b0 + b) * d->H * d->W * C;
    for (int oh = 0; oh < d->OH; oh++) {
      for (int ow = 0; ow < d->OW; ow++) {
        const float *row = col + ((size_t)(b * d->OH + oh) * d->OW + ow) * KKC;
        for (int kh = 0; kh < K; kh++) {
          const int ih = oh * d->S - d->P + kh;
          if (ih < 0 || ih >= d->H) continue;
          for (int kw = 0; kw < K; kw++) {
            const int iw = ow * d->S - d->P + kw;
            if (iw < 0 || iw >= d->W) continue;
            float *dst = xb + ((size_t)ih * d->W + iw) * C;
            const float *src = row + (kh * K + kw) * C;
            for (int c = 0; c < C; c++) dst[c] += src[c];
          }
        }
      }
    }
  }
}

/* One worker's share of a convolution step: samples [first, last), in chunks. */
typedef struct {
  const conv_dims *d;
  int mode, worker, first, last;
  const float *a, *b;
  float *out; /* the output; for mode 1 this worker's own filter-gradient sum */
  int failed;
} conv_job;

static void *conv_work(void *arg) {
  conv_job *job = (conv_job *)arg;
  const conv_dims *d = job->d;
  const int KKC = d->K * d->K * d->C, rows_per = d->OH * d->OW;
  const int chunk = chunk_samples(d);
  float *col = NULL;
  if (!is_pointwise(d)) {
    col = get_scratch(job->worker, (size_t)chunk * rows_per * KKC);
    if (!col) { job->failed = 1; return NULL; }
  }
  if (job->mode == 2) memset(job->out + (size_t)job->first * d->H * d->W * d->C, 0, (size_t)(job->last - job->first) * d->H * d->W * d->C * sizeof(float));
  for (int b0 = job->first; b0 < job->last; b0 += chunk) {
    const int nb = b0 + chunk > job->last ? job->last - b0 : chunk;
    const int M = nb * rows_per;
    if (job->mode == 0) {
      const float *cols = col ? (im2col(d, job->a, b0, nb, col), col) : job->a + (size_t)b0 * rows_per * KKC;
      cblas_sgemm_ptr(ROW_MAJOR, NO_TRANS, NO_TRANS, M, d->O, KKC, 1.0f, cols, KKC, job->b, d->O, 0.0f, job->out + (size_t)b0 * rows_per * d->O, d->O);
    } else if (job->mode == 1) {
      const float *cols = col ? (im2col(d, job->a, b0, nb, col), col) : job->a + (size_t)b0 * rows_per * KKC;
      cblas_sgemm_ptr(ROW_MAJOR, TRANS, NO_TRANS, KKC, d->O, M, 1.0f, cols, KKC, job->b + (size_t)b0 * rows_per * d->O, d->O, b0 == job->first ? 0.0f : 1.0f, job->out, d->O);
    } else {
      const float *dy = job->a + (size_t)b0 * rows_per * d->O;
      if (!col) {
        cblas_sgemm_ptr(ROW_MAJOR, NO_TRANS, TRANS, M, KKC, d->O, 1.0f, dy, d->O, job->b, d->O, 0.0f, job->out + (size_t)b0 * rows_per * KKC, KKC);
      } else {
        cblas_sgemm_ptr(ROW_MAJOR, NO_TRANS, TRANS, M, KKC, d->O, 1.0f, dy, d->O, job->b, d->O, 0.0f, col, KKC);
        col2im_add(d, col, b0, nb, job->out);
      }
    }
  }
  return NULL;
}

/* The filter-gradient sums of the workers after the first, grown as needed. */
static float *partial_dw = NULL;
static size_t partial_dw_size = 0;

/* conv2d(mode, a, b, out, dims): mode 0: out = conv(x = a, w = b); 1: out = dW from (x = a, dy = b);
   2: out = dx from (dy = a, w = b). dims: Int32Array [B, H, W, C, K, S, P, OH, OW, O]. With the BLAS set
   to n > 1 threads, the samples are split over n workers, each running a one-thread sgemm on its own
   share (coarser, and so faster, than splitting each small product). */
static napi_value conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 5) return fail(env, "conv2d: expected 5 arguments");
  if (!cblas_sgemm_ptr) return fail(env, "conv2d: no BLAS loaded");
  int32_t mode;
  napi_get_value_int32(env, args[0], &mode);
  size_t la, lb, lo, ld;
  float *a = floats(env, args[1], &la), *bm = floats(env, args[2], &lb), *out = floats(env, args[3], &lo);
  napi_typedarray_type type;
  void *raw = NULL;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, args[4], &type, &ld, &raw, &buffer, &offset) != napi_ok || type != napi_int32_array || ld != 10) {
    return fail(env, "conv2d: dims must be an Int32Array of 10");
  }
  if (!a || !bm || !out) return fail(env, "conv2d: the tensors must be Float32Arrays");
  const int32_t *v = (const int32_t *)raw;
  conv_dims d = { v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9] };
  const size_t xs = (size_t)d.B * d.H * d.W * d.C, ws = (size_t)d.K * d.K * d.C * d.O, ys = (size_t)d.B * d.OH * d.OW * d.O;
  const size_t need_a = mode == 2 ? ys : xs, need_b = mode == 1 ? ys : ws, need_o = mode == 0 ? ys : mode == 1 ? ws : xs;
  if (mode < 0 || mode > 2 || la < need_a || lb < need_b || lo < need_o) return fail(env, "conv2d: array lengths do not match the dims");
  const int blas_threads = get_threads_ptr ? get_threads_ptr() : 1;
  int threads = blas_threads;
  if (threads > MAX_WORKERS) threads = MAX_WORKERS;
  if (threads > d.B) threads = d.B;
  if (threads < 1) threads = 1;
  if (threads > 1 && mode == 1) {
    if ((size_t)(threads - 1) * ws > partial_dw_size) {
      free(partial_dw);
      partial_dw = (float *)malloc((size_t)(threads - 1) * ws * sizeof(float));
      partial_dw_size = partial_dw ? (size_t)(threads - 1) * ws : 0;
    }
    if (!partial_dw) threads = 1;
  }
  conv_job jobs[MAX_WORKERS];
  for (int t = 0; t < threads; t++) {
    jobs[t] = (conv_job){ &d, mode, t, (int)((long)d.B * t / threads), (int)((long)d.B * (t + 1) / threads), a, bm,
                          mode == 1 && t > 0 ? partial_dw + (size_t)(t - 1) * ws : out, 0 };
  }
  if (threads == 1) {
    conv_work(&jobs[0]);
  } else {
    pthread_t ids[MAX_WORKERS];
    int started[MAX_WORKERS] = { 0 };
    if (set_threads_ptr) set_threads_ptr(1);
    for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, conv_work, &jobs[t]) == 0;
    conv_work(&jobs[0]);
    for (int t = 1; t < threads; t++) {
      if (started[t]) pthread_join(ids[t], NULL);
      else conv_work(&jobs[t]);
    }
    if (set_threads_ptr) set_threads_ptr(blas_threads);
    if (mode == 1) {
      for (int t = 1; t < threads; t++) {
        const float *p = partial_dw + (size_t)(t - 1) * ws;
        for (size_t i = 0; i < ws; i++) out[i] += p[i];
      }
    }
  }
  for (int t = 0; t < threads; t++) {
    if (jobs[t].failed) return fail(env, "conv2d: out of memory for im2col");
  }
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  int32_t n;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  napi_get_value_int32(env, arg, &n);
  if (set_threads_ptr && n > 0) set_threads_ptr(n);
  return NULL;
}

static napi_value describe(napi_env env, napi_callback_info info) {
  napi_value out, name, threads;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, library_name, NAPI_AUTO_LENGTH, &name);
  napi_create_int32(env, get_threads_ptr ? get_threads_ptr() : -1, &threads);
  napi_set_named_property(env, out, "library", name);
  napi_set_named_property(env, out, "threads", threads);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!load_blas()) {
    napi_fail(env, NULL, "no BLAS with cblas_sgemm found (install OpenBLAS: apt-get install libopenblas0)");
    return NULL;
  }
  napi_property_descriptor props[] = {
    { "sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL },
    { "conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL },
    { "batchNormForward", NULL, batch_norm_forward, NULL, NULL, NULL, napi_default, NULL },
    { "batchNormBackward", NULL, batch_norm_backward, NULL, NULL, NULL, napi_default, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL },
    { "describe", NULL, describe, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
