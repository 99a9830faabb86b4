/**
 * Word lists for the generated tokenizers. Real rerankers ship 30k (BERT) to 250k (XLM-R) pieces;
 * ours are smaller but cover every Hangul syllable, ASCII, common symbols and frequent Korean and
 * English words, so Korean and mixed text tokenise into realistic pieces instead of <unk>.
 */

/** All 11,172 precomposed Hangul syllables (U+AC00..U+D7A3). */
export function hangulSyllables(): string[] {
  const syllables: string[] = [];
  for (let code = 0xac00; code <= 0xd7a3; code++) syllables.push(String.fromCharCode(code));
  return syllables;
}

/** Conjoining jamo (U+1100..U+11FF): what NFD (BERT's accent stripping) turns syllables into. */
export function hangulJamo(): string[] {
  const jamo: string[] = [];
  for (let code = 0x1100; code <= 0x11ff; code++) jamo.push(String.fromCharCode(code));
  return jamo;
}

/** Printable ASCII plus symbols common in Korean documents. */
export function basicCharacters(): string[] {
  const chars: string[] = [];
  for (let code = 0x21; code <= 0x7e; code++) chars.push(String.fromCharCode(code));
  return [...chars, ...'·※○●□■▶▷◆◇→←↑↓「」『』《》〈〉‘’“”…•～℃€£¥₩'];
}

export const KOREAN_WORDS = `
은 는 이 가 을 를 의 에 에서 으로 로 와 과 도 만 까지 부터 에게 께서 이나 나 보다 처럼 마다 이다 입니다 습니다 니다
있다 없다 했다 한다 하는 하고 하여 해서 하며 하기 하면 합니다 했습니다 됩니다 되는 되어 된다 있는 없는 있습니다 같은 다른
모든 각 및 또는 그리고 그러나 하지만 따라 따른 대한 위한 통해 관한 의한 경우 때문 관련 이상 이하 미만 초과 기간 이후 이전
한국 대한민국 서울 부산 정부 국가 국민 사회 경제 금융 금리 은행 한국은행 시중은행 지방은행 인터넷은행 통화 정책 시장 기업 회사
산업 투자 보험 대출 예금 주식 채권 자산 부채 자본 수익 비용 매출 이익 손실 가격 물가 환율 성장 증가 감소 변화 영향 효과
의료 병원 환자 질환 치료 진단 약물 건강 보건 간호 의사 검사 증상 수술 예방 관리 법률 법원 법령 조항 조례 규정 계약 소송
판결 권리 의무 책임 신청 승인 인가 허가 요건 절차 기준 제도 공공 행정 기관 지원 사업 계획 예산 평가 보고서 결과 분석
데이터 정보 기술 개발 연구 시스템 서비스 고객 상품 제품 판매 구매 유통 커머스 디지털 온라인 플랫폼 전략 비즈니스 마케팅
검색 문서 질문 답변 내용 설명 방법 문제 해결 사용 이용 제공 확인 필요 가능 중요 주요 다음 현재 최근 년 월 일 시 개 명 원
학교 학생 교육 대학 선생님 사람 시간 오늘 내일 세계 나라 지역 도시 문화 역사 생활 환경 에너지 기후 인공지능 모델 학습
`;

export const ENGLISH_WORDS = `
the of and to in a is that for it as was with be by on not he this are or his from at which but have an they
you were her she there one all we their has been had when who will more no if out so said what up its about
into than them can only other new some could time these two may then do first any my now such like our over
man me even most made after also did many before must through back years where much your way well down should
because each just those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off come since
against go came right used take three search query document passage model rank rerank score bank interest rate
policy market data system service customer product price health medical law court contract public report result
ing ed er est ly tion s es al ment ness able ize
`;

export function words(list: string): string[] {
  return list.split(/\s+/).filter((w) => w.length > 0);
}
