/* Batch normalisation's training-mode forward pass and its gradient, on the native path (batchnorm.c). */
#ifndef AVALANCHE_TS_BATCHNORM_H
#define AVALANCHE_TS_BATCHNORM_H
#include <node_api.h>

napi_value batch_norm_forward(napi_env env, napi_callback_info info);
napi_value batch_norm_backward(napi_env env, napi_callback_info info);

#endif
