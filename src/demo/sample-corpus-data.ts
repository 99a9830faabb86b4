/**
 * The bundled sample corpus: ~330 short passages written for this project (public domain, CC0),
 * mostly Korean, some English and mixed text, across 16 topics.
 */
import { PART_0 } from './corpus/part-0.js';
import { PART_1 } from './corpus/part-1.js';
import { PART_2 } from './corpus/part-2.js';
import { PART_3 } from './corpus/part-3.js';

export const SAMPLE_CORPUS = [...PART_1, ...PART_2, ...PART_3, ...PART_0];
