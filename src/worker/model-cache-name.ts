/** The Cache API cache that holds downloaded model files (set as transformers.js's env.cacheKey). */
export const MODEL_CACHE_NAME = 'transformers-cache';
