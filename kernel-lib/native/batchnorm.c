/*
 * Batch normalisation over the last axis (channels of NHWC images, features of [B, C]) with the
 * batch's statistics, and its gradient in closed form: each a few passes over the activations with
 * per-channel sums in double precision, where the wasm kernels take a dozen (moments, then the
 * elementwise chain, each its own pass and tensor).
 */
#include <math.h>
#include <stdlib.h>
#include "kernels.h"

/* batchNormForward(x, gamma, beta, eps, y, mean, variance, invStd): y = (x - mean) * invStd * gamma + beta,
   with the batch's mean and biased variance per channel (C = gamma.length), invStd = 1 / sqrt(variance + eps). */
napi_value batch_norm_forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 8) return fail(env, "batchNormForward: expected 8 arguments");
  size_t n, c, n_beta, n_y, n_mean, n_var, n_inv;
  double eps;
  const float *x = floats(env, args[0], &n), *gamma = floats(env, args[1], &c), *beta = floats(env, args[2], &n_beta);
  napi_get_value_double(env, args[3], &eps);
  float *y = floats(env, args[4], &n_y), *mean = floats(env, args[5], &n_mean), *var = floats(env, args[6], &n_var),
        *inv = floats(env, args[7], &n_inv);
  if (!x || !gamma || !beta || !y || !mean || !var || !inv) return fail(env, "batchNormForward: expected Float32Arrays");
  if (c == 0 || n % c || n_beta != c || n_y != n || n_mean != c || n_var != c || n_inv != c) return fail(env, "batchNormForward: sizes do not match");
  size_t rows = n / c;
  double *acc = calloc(c, sizeof(double));
  if (!acc) return fail(env, "batchNormForward: out of memory");
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    for (size_t k = 0; k < c; k++) acc[k] += xr[k];
  }
  for (size_t k = 0; k < c; k++) { mean[k] = (float)(acc[k] / rows); acc[k] = 0; }
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    for (size_t k = 0; k < c; k++) { double d = (double)xr[k] - mean[k]; acc[k] += d * d; }
  }
  float *scale = malloc(c * sizeof(float));
  if (!scale) { free(acc); return fail(env, "batchNormForward: out of memory"); }
  for (size_t k = 0; k < c; k++) {
    double v = acc[k] / rows;
    var[k] = (float)v;
    inv[k] = (float)(1.0 / sqrt(v + eps));
    scale[k] = inv[k] * gamma[k];
  }
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    float *yr = y + r * c;
    for (size_t k = 0; k < c; k++) yr[k] = (xr[k] - mean[k]) * scale[k] + beta[k];
  }
  free(scale);
  free(acc);
  return NULL;
}

/* batchNormBackward(dy, x, mean, invStd, gamma, dx, dGamma, dBeta): with x̂ = (x - mean) * invStd,
   dBeta = Σ dy, dGamma = Σ dy x̂, dx = gamma * invStd * (dy - dBeta / n - x̂ dGamma / n) per channel. */
napi_value batch_norm_backward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 8) return fail(env, "batchNormBackward: expected 8 arguments");
  size_t n, n_x, n_mean, c, n_gamma, n_dx, n_dg, n_db;
  const float *dy = floats(env, args[0], &n), *x = floats(env, args[1], &n_x), *mean = floats(env, args[2], &n_mean),
              *inv = floats(env, args[3], &c), *gamma = floats(env, args[4], &n_gamma);
  float *dx = floats(env, args[5], &n_dx), *dgamma = floats(env, args[6], &n_dg), *dbeta = floats(env, args[7], &n_db);
  if (!dy || !x || !mean || !inv || !gamma || !dx || !dgamma || !dbeta) return fail(env, "batchNormBackward: expected Float32Arrays");
  if (c == 0 || n % c || n_x != n || n_mean != c || n_gamma != c || n_dx != n || n_dg != c || n_db != c) return fail(env, "batchNormBackward: sizes do not match");
  size_t rows = n / c;
  double *sums = calloc(2 * c, sizeof(double));
  if (!sums) return fail(env, "batchNormBackward: out of memory");
  double *sum_dy = sums, *sum_dy_xhat = sums + c;
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * c, *xr = x + r * c;
    for (size_t k = 0; k < c; k++) {
      sum_dy[k] += dyr[k];
      sum_dy_xhat[k] += (double)dyr[k] * ((xr[k] - mean[k]) * inv[k]);
    }
  }
  float *coef = malloc(3 * c * sizeof(float));
  if (!coef) { free(sums); return fail(env, "batchNormBackward: out of memory"); }
  float *g = coef, *mdy = coef + c, *mdx = coef + 2 * c;
  for (size_t k = 0; k < c; k++) {
    dbeta[k] = (float)sum_dy[k];
    dgamma[k] = (float)sum_dy_xhat[k];
    g[k] = gamma[k] * inv[k];
    mdy[k] = (float)(sum_dy[k] / rows);
    mdx[k] = (float)(sum_dy_xhat[k] / rows);
  }
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * c, *xr = x + r * c;
    float *dxr = dx + r * c;
    for (size_t k = 0; k < c; k++) dxr[k] = g[k] * (dyr[k] - mdy[k] - (xr[k] - mean[k]) * inv[k] * mdx[k]);
  }
  free(coef);
  free(sums);
  return NULL;
}
