// text-readability ships no types; only what the benchmark calls is declared.
declare module 'text-readability' {
  interface Readability {
    fleschReadingEase(text: string): number;
    fleschKincaidGrade(text: string): number;
    syllableCount(text: string): number;
    lexiconCount(text: string): number;
    sentenceCount(text: string): number;
  }
  const readability: Readability;
  export default readability;
}
