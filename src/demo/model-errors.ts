/**
 * Model-loading and reranking errors in words a person understands, Korean first (the technical
 * detail stays at the end, in brackets, for bug reports). Pure: the demo passes what it knows.
 */
export interface ErrorContext {
  /** navigator.onLine: false means the browser itself knows it is offline. */
  online: boolean;
  /** What the user picked, as shown to them (hub id, folder name, URL). */
  model: string;
}

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  file?: string;
}

function detail(error: ErrorLike): string {
  const text = `${error.name ?? 'Error'}: ${error.message ?? ''}`.trim();
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** A page (HTML) came back where a JSON or model file was expected: the URL is not a model folder. */
function isHtmlInsteadOfFile(message: string): boolean {
  return /Unexpected token '<'|<!doctype|<html|is not valid JSON/i.test(message);
}

function isNetworkFailure(message: string): boolean {
  return /Failed to fetch|NetworkError|network error|ERR_INTERNET_DISCONNECTED|Load failed|fetch failed/i.test(message);
}

export function describeModelError(raw: unknown, context: ErrorContext): string {
  const error: ErrorLike = typeof raw === 'object' && raw !== null ? (raw as ErrorLike) : { message: String(raw) };
  const message = error.message ?? '';
  const tail = ` (${detail(error)})`;
  if (
    !context.online &&
    (isNetworkFailure(message) || error.code === 'MODEL_LOAD_FAILED' || error.code === 'MODEL_FILE_MISSING')
  ) {
    return (
      `오프라인 상태이고, 모델 "${context.model}"은(는) 아직 이 기기에 저장되어 있지 않습니다. ` +
      `인터넷에 연결된 뒤 한 번 불러오거나, 저장된 데모 모델을 고르세요. (offline, and this model is not stored on this device)`
    );
  }
  if (isHtmlInsteadOfFile(message)) {
    return `"${context.model}"은(는) 모델 폴더가 아닙니다: 모델 파일(config.json) 대신 웹 페이지가 돌아왔습니다. 주소가 config.json이 들어 있는 폴더를 가리키는지 확인하세요.${tail}`;
  }
  if (isNetworkFailure(message)) {
    return `모델 "${context.model}"을(를) 내려받을 수 없습니다: 서버에 연결되지 않습니다 (Hugging Face Hub 차단, 오프라인, 또는 CORS). 데모 모델이나 디스크의 모델 폴더를 사용하세요.${tail}`;
  }
  switch (error.code) {
    case 'MODEL_FILE_MISSING':
      return `모델 폴더에 필요한 파일${error.file ? ` ${error.file}` : ''}이(가) 없습니다. config.json, tokenizer.json과 onnx/ 폴더가 있는 폴더인지 확인하세요.${tail}`;
    case 'MODEL_FILE_CORRUPT':
      return `모델 파일${error.file ? ` ${error.file}` : ''}이(가) 손상되었거나 형식이 맞지 않습니다.${tail}`;
    case 'UNSUPPORTED_MODEL':
      return `이 모델은 재순위화(cross-encoder, 점수 하나를 내는 분류 모델)가 아니라서 쓸 수 없습니다.${tail}`;
    case 'LIMIT_EXCEEDED':
      return `입력이 너무 커서 재순위화하지 못했습니다.${tail}`;
    default:
      return `모델을 불러오거나 실행하지 못했습니다.${tail}`;
  }
}

/**
 * Errors of the edge rerank service (createReranker({ endpoint })), which the client reports as
 * "could not be reached" (network, CORS, CSP) or "answered <status>".
 */
export function describeServiceError(raw: unknown, context: { online: boolean; endpoint: string }): string {
  const error: ErrorLike = typeof raw === 'object' && raw !== null ? (raw as ErrorLike) : { message: String(raw) };
  const message = error.message ?? '';
  const tail = ` (${detail(error)})`;
  const where = `에지 서비스 ${context.endpoint}`;
  if (/could not be reached/.test(message) || isNetworkFailure(message)) {
    if (!context.online) return `오프라인 상태라 ${where}에 연결할 수 없습니다. (offline)`;
    return `${where}에 연결할 수 없습니다: 서비스가 실행 중인지, 주소가 맞는지, 이 페이지의 출처(origin)를 서비스가 CORS로 허용하는지(--cors-origin) 확인하세요.${tail}`;
  }
  const status = Number(/answered (\d{3})/.exec(message)?.[1] ?? /\((\d{3})\)/.exec(message)?.[1]);
  if (status === 401)
    return `${where}이(가) API 키를 요구합니다 (401). 이 데모는 키를 보내지 않습니다: 키 없이(--api-key 없이) 실행한 서비스를 쓰세요.${tail}`;
  if (status === 404)
    return `${where}은(는) 재순위화 서비스가 아닙니다: /info가 404를 돌려주었습니다. 주소를 확인하세요.${tail}`;
  if (status === 503)
    return `${where}이(가) 아직 모델을 불러오는 중이거나 과부하입니다 (503). 잠시 뒤 다시 검색하세요.${tail}`;
  if (status === 413 || error.code === 'LIMIT_EXCEEDED')
    return `후보가 ${where}의 한도보다 많아 재순위화하지 못했습니다.${tail}`;
  return `${where}이(가) 재순위화하지 못했습니다.${tail}`;
}

/** The edge service's address as typed, if it is an http(s) URL; null otherwise. */
export function serviceEndpoint(text: string): string | null {
  const trimmed = text.trim();
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** What to show instead of loading anything when the picker's choice is incomplete, or null when it is usable. */
export function incompleteChoice(choice: {
  kind: 'hub' | 'demo' | 'custom' | 'folder' | 'edge';
  value: string;
  fileCount?: number;
}): string | null {
  if (choice.kind === 'custom' && choice.value.trim() === '')
    return '모델의 Hub id(예: Xenova/bge-reranker-base) 또는 모델 폴더 URL을 입력하세요.';
  if (choice.kind === 'edge' && !serviceEndpoint(choice.value))
    return '에지 재순위화 서비스의 주소를 http:// 또는 https://로 시작하게 입력하세요 (예: http://127.0.0.1:8080).';
  if (choice.kind === 'folder' && !choice.fileCount)
    return '아직 모델 폴더를 고르지 않았습니다. "디스크에서 모델 폴더 열기"로 config.json이 들어 있는 폴더를 고르세요.';
  return null;
}

/** A model as the status line shows it: a hub id as is, a URL or path by its last folder name. */
export function shortModelName(model: string): string {
  if (/^https?:\/\//i.test(model) || model.startsWith('/') || model.startsWith('.')) {
    const segments = model
      .replace(/[?#].*$/, '')
      .split('/')
      .filter(Boolean);
    return decodeURIComponent(segments.at(-1) ?? model);
  }
  return model;
}
