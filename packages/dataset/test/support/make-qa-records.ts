import type { QaRecord } from '@tonekit/dataset';

const sampleTexts = [
  'Zürich liegt am Zürichsee — naïve café crème.',
  '東京は日本の首都です。',
  'Emoji are fine too: 🎙️🗣️ and a zero-width joiner 👩‍💻.',
  'Plain ASCII text about the history of the bicycle.',
];

/** Deterministic QA records; embeddings encode the row number so order can be checked. */
export function makeQaRecords(
  count: number,
  { dimensions = 8 }: { dimensions?: number | undefined } = {},
): QaRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const embedding = dimensions > 0 ? new Float32Array(dimensions).map((_, d) => index + d / 10) : undefined;
    return {
      id: `qa-${String(index).padStart(6, '0')}`,
      source_id: `source-${index % 97}`,
      source_title: index % 5 === 0 ? null : `Title ${index}`,
      source_text: `${sampleTexts[index % sampleTexts.length]} #${index}`,
      question: `Question ${index}: ${sampleTexts[(index + 1) % sampleTexts.length]}`,
      answer: `Answer ${index}`,
      conversational_answer: `Sure! ${index} — ${sampleTexts[(index + 2) % sampleTexts.length]}`,
      flesch: 60 + (index % 40) + 0.25,
      attempts: 1 + (index % 4),
      ...(embedding ? { question_embedding: embedding } : {}),
      model: 'google/gemini-2.0-flash-001',
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
    };
  });
}
