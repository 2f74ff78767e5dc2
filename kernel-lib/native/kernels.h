/* The addon's helpers and its layer kernels beside the BLAS products: batch norm (batchnorm.c). */
#ifndef AVALANCHE_TS_KERNELS_H
#define AVALANCHE_TS_KERNELS_H
#include <node_api.h>

/* Throws a JavaScript error with the message; returns NULL for the caller to return. */
static inline napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* The data of a Float32Array (and its length in elements), or NULL when v is not one. */
static inline float *floats(napi_env env, napi_value v, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) return NULL;
  return (float *)data;
}

napi_value batch_norm_forward(napi_env env, napi_callback_info info);
napi_value batch_norm_backward(napi_env env, napi_callback_info info);

#endif
