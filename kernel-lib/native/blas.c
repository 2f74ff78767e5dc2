/*
 * avalanche-ts's optional native matrix product: row-major C = op(A) op(B) (+ bias, ReLU) through the
 * cblas_sgemm of a BLAS found at run time (OpenBLAS on Linux, Accelerate on macOS), on Float32Arrays
 * that view the wasm backend's heap. Built at install when a C compiler is present
 * (scripts/build-native.js); without it the wasm backend's own kernels run.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

typedef void (*sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static sgemm_fn cblas_sgemm_ptr = NULL;
static set_threads_fn set_threads_ptr = NULL;
static get_threads_fn get_threads_ptr = NULL;
static char library_name[256] = "";

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

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

static float *float_array(napi_env env, napi_value v, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) return NULL;
  return (float *)data;
}

/* sgemm(transA, transB, M, N, K, A, B, C, bias | null, relu): C[M x N] = op(A) op(B) (+ bias) (ReLU). */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 10) return throw_error(env, "sgemm: expected 10 arguments");
  if (!cblas_sgemm_ptr) return throw_error(env, "sgemm: no BLAS loaded");
  bool ta, tb, relu;
  int32_t M, N, K;
  napi_get_value_bool(env, args[0], &ta);
  napi_get_value_bool(env, args[1], &tb);
  napi_get_value_int32(env, args[2], &M);
  napi_get_value_int32(env, args[3], &N);
  napi_get_value_int32(env, args[4], &K);
  size_t la, lb, lc, lbias = 0;
  float *A = float_array(env, args[5], &la), *B = float_array(env, args[6], &lb), *C = float_array(env, args[7], &lc);
  napi_valuetype bias_type;
  napi_typeof(env, args[8], &bias_type);
  float *bias = bias_type == napi_null ? NULL : float_array(env, args[8], &lbias);
  napi_get_value_bool(env, args[9], &relu);
  if (!A || !B || !C || (bias_type != napi_null && !bias)) return throw_error(env, "sgemm: A, B, C (and bias) must be Float32Arrays");
  if (M <= 0 || N <= 0 || K <= 0 || la < (size_t)M * K || lb < (size_t)K * N || lc < (size_t)M * N || (bias && lbias < (size_t)N)) {
    return throw_error(env, "sgemm: array lengths do not match M, N, K");
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
    napi_throw_error(env, NULL, "no BLAS with cblas_sgemm found (install OpenBLAS: apt-get install libopenblas0)");
    return NULL;
  }
  napi_property_descriptor props[] = {
    { "sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL },
    { "describe", NULL, describe, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
