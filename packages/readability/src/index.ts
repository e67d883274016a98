export {
  type ConversationalOptions,
  fleschKincaidGrade,
  fleschReadingEase,
  isConversational,
  lexiconCount,
  sentenceCount,
  syllableCount,
} from './scores.js';
export { textStatistics } from './text-statistics.js';
export {
  CONVERSATIONAL_THRESHOLD,
  DEFAULT_READABILITY_MODE,
  READABILITY_MODES,
  REPHRASE_THRESHOLD,
  type ReadabilityMode,
  type ReadabilityOptions,
  type TextStatistics,
} from './types.js';
