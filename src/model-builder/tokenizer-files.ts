/**
 * tokenizer.json, tokenizer_config.json and special_tokens_map.json in the formats of the real models:
 * XLM-R (SentencePiece Unigram, Metaspace, `<s> A </s></s> B </s>`) and BERT (WordPiece,
 * `[CLS] A [SEP] B [SEP]` with token types 0/1).
 */
import type { Architecture } from './config.js';
import { ENGLISH_WORDS, KOREAN_WORDS, basicCharacters, hangulJamo, hangulSyllables, words } from './vocabulary.js';

export interface TokenizerFiles {
  tokenizerJson: object;
  tokenizerConfig: object;
  specialTokensMap: object;
  vocabSize: number;
  padTokenId: number;
}

const METASPACE = '\u2581';

function addedToken(id: number, content: string, lstrip = false) {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true };
}

function specialTokenEntry(token: string, id: number) {
  return { id: token, ids: [id], tokens: [token] };
}

const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });

export function buildTokenizerFiles(architecture: Architecture, modelMaxLength: number): TokenizerFiles {
  return architecture === 'xlm-roberta' ? xlmRobertaTokenizer(modelMaxLength) : bertTokenizer(modelMaxLength);
}

function xlmRobertaTokenizer(modelMaxLength: number): TokenizerFiles {
  // Unigram picks the segmentation with the highest summed log-probability, so whole words
  // (one piece) beat their syllables (several pieces), and word-initial pieces beat inner ones.
  const vocab: Array<[string, number]> = [
    ['<s>', 0],
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    [METASPACE, -6],
  ];
  const seen = new Set(vocab.map(([piece]) => piece));
  const push = (piece: string, score: number) => {
    if (!seen.has(piece)) {
      seen.add(piece);
      vocab.push([piece, score]);
    }
  };
  [...words(KOREAN_WORDS), ...words(ENGLISH_WORDS)].forEach((word, rank) => {
    push(METASPACE + word, -7 - rank * 1e-3);
    push(word, -7.5 - rank * 1e-3);
  });
  for (const char of [...basicCharacters(), ...hangulSyllables()]) {
    push(METASPACE + char, -9.5);
    push(char, -10);
  }
  const maskId = vocab.length;
  vocab.push(['<mask>', 0]);

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedToken(0, '<s>'),
      addedToken(1, '<pad>'),
      addedToken(2, '</s>'),
      addedToken(3, '<unk>'),
      addedToken(maskId, '<mask>', true),
    ],
    // SentencePiece's nmt_nfkc: NFKC, and any whitespace run becomes one space.
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Strip', strip_left: true, strip_right: true },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('<s>', 0), sequence('A', 0), special('</s>', 0)],
      pair: [
        special('<s>', 0),
        sequence('A', 0),
        special('</s>', 0),
        special('</s>', 0),
        sequence('B', 0),
        special('</s>', 0),
      ],
      special_tokens: { '<s>': specialTokenEntry('<s>', 0), '</s>': specialTokenEntry('</s>', 2) },
    },
    decoder: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
  const tokens = {
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    sep_token: '</s>',
    pad_token: '<pad>',
    cls_token: '<s>',
    mask_token: '<mask>',
  };
  return {
    tokenizerJson,
    tokenizerConfig: {
      tokenizer_class: 'XLMRobertaTokenizer',
      model_max_length: modelMaxLength,
      clean_up_tokenization_spaces: true,
      ...tokens,
    },
    specialTokensMap: tokens,
    vocabSize: vocab.length,
    padTokenId: 1,
  };
}

function bertTokenizer(modelMaxLength: number): TokenizerFiles {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab: Record<string, number> = {};
  const push = (piece: string) => {
    if (!(piece in vocab)) vocab[piece] = Object.keys(vocab).length;
  };
  specials.forEach(push);
  // Uncased BERT lowercases and strips accents (NFD), which turns Hangul syllables into jamo.
  const chars = [...basicCharacters().map((c) => c.toLowerCase()), ...hangulJamo()];
  for (const char of chars) push(char);
  for (const char of chars) push(`##${char}`);
  for (const word of words(ENGLISH_WORDS)) {
    push(word);
    push(`##${word}`);
  }
  const [CLS, SEP] = [vocab['[CLS]']!, vocab['[SEP]']!];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((token) => addedToken(vocab[token]!, token)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: { '[CLS]': specialTokenEntry('[CLS]', CLS), '[SEP]': specialTokenEntry('[SEP]', SEP) },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const tokens = {
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
  };
  return {
    tokenizerJson,
    tokenizerConfig: {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: modelMaxLength,
      clean_up_tokenization_spaces: true,
      ...tokens,
    },
    specialTokensMap: tokens,
    vocabSize: Object.keys(vocab).length,
    padTokenId: 0,
  };
}
