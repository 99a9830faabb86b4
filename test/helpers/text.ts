/** Korean and English (query, passage) material shared by the fidelity and engine tests. */
export const KOREAN_QUERY = '한국은행의 기준금리 결정 절차는 어떻게 되나요?';

export const KOREAN_PASSAGES = [
  '한국은행 금융통화위원회는 물가와 경기 상황을 고려하여 기준금리를 결정합니다.',
  '서울의 오늘 날씨는 맑고 기온은 영상 5도입니다.',
  '시중은행과 지방은행, 인터넷은행은 인가 요건과 절차에 차이가 있습니다.',
  '환자는 병원에서 진단을 받은 뒤 치료 계획을 세웁니다.',
  '디지털 커머스 시대에 B2B 기업은 온라인 플랫폼 전략이 필요합니다.',
  '2024년 3월 통화정책 운영 보고서에 따르면 유동성 조절을 위해 지준 공급을 늘렸다.',
];

export const ENGLISH_QUERY = 'how does the central bank set the interest rate';

export const ENGLISH_PASSAGES = [
  'The central bank sets the policy interest rate after looking at inflation and growth.',
  'Search results are often ordered badly, and the order decides what a model reads.',
  'A court may decide a contract is void if one party was misled.',
];

/** A passage far longer than 512 tokens, to force truncation and windows. */
export function longPassage(repeats = 60): string {
  return Array.from(
    { length: repeats },
    (_, i) => `${i}번째 문단: 한국은행은 통화정책을 운영하며 금융 안정을 지원합니다.`,
  ).join(' ');
}
