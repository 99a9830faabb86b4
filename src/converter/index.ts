/** The converter's public list: a Hugging Face checkpoint (safetensors) in, transformers.js model files out. */
export { convertModel, type ConvertModelOptions, type ConvertModelResult } from './node-convert.js';
export type { ConversionProgress, ConversionReport } from './convert.js';
export type { VerifyResult } from './verify.js';
export { ConversionError, type ConversionErrorCode } from './errors.js';
