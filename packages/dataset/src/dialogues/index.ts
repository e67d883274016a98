export { type Dialogue, type DialogueFormat, type DialogueTurn, dialogueFormats } from './dialogue.js';
export { DialogueFormatError, type DialogueFormatErrorOptions } from './dialogue-format-error.js';
export {
  type DialogueResponder,
  type DialogueResponderPredicate,
  defaultResponder,
} from './dialogue-responder.js';
export {
  type DialogueConversionOptions,
  type DialogueResponseTurn,
  dialogueResponseTurns,
  type LeadingAssistantTurns,
} from './dialogue-response-turns.js';
export { type DialogueSplitName, dialogueSplitOfFile } from './dialogue-split-of-file.js';
export {
  type ChatExample,
  type DialoguesToChatExamplesOptions,
  dialoguesToChatExamples,
} from './dialogues-to-chat-examples.js';
export {
  type DialoguesToTestPromptsOptions,
  type DialogueTestPrompt,
  dialoguesToTestPrompts,
} from './dialogues-to-test-prompts.js';
export {
  type DialogueSplitCounts,
  type DialogueSplitSizes,
  type DialogueSplitSource,
  type PrepareDialogueDataOptions,
  type PreparedDialogueData,
  prepareDialogueData,
} from './prepare-dialogue-data.js';
export { dialogueFileExtensions } from './read-dialogue-file-rows.js';
export { type ReadDialoguesOptions, readDialogues } from './read-dialogues.js';
export { unescapeEmpatheticDialoguesText } from './read-empathetic-dialogues.js';
