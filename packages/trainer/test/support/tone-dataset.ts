import type { QaRecord } from '@tonekit/dataset';
import { writeDatasetFolder } from '@tonekit/dataset';

const pairs: Array<[question: string, answer: string, conversational: string]> = [
  ['What is the capital of France?', 'Paris is the capital of France.', 'It is Paris, the city of light.'],
  ['How many legs does a spider have?', 'Spiders have eight legs.', 'Eight! Spiders walk on eight legs.'],
  ['Why is the sky blue?', 'Rayleigh scattering of sunlight.', 'Air scatters blue light the most.'],
  ['Who wrote Hamlet?', 'William Shakespeare wrote Hamlet.', 'That was Shakespeare, long ago.'],
  ['What do bees make?', 'Bees produce honey and wax.', 'Bees make honey. Sweet, right?'],
  ['How hot is the sun?', 'About 5,500 degrees Celsius at the surface.', 'Very hot: thousands of degrees.'],
];

/**
 * Deterministic QA records cycling through a few short pairs (so a tiny model can learn them: the
 * loss must go down within a few steps). `blank` lists row indices whose answers are emptied.
 */
export function makeToneRecords(count: number, { blank = [] as number[] } = {}): QaRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const [question, answer, conversational] = pairs[index % pairs.length]!;
    return {
      id: `qa-${String(index).padStart(4, '0')}`,
      source_id: `source-${index % pairs.length}`,
      source_title: null,
      source_text: `${question} ${answer}`,
      question,
      answer,
      conversational_answer: blank.includes(index) ? (index % 2 === 0 ? '' : '   ') : conversational,
      flesch: 80,
      attempts: 1,
      model: 'test/pairs',
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
    };
  });
}

/** A dataset folder of `count` records with nested subsets, as datagen would write it. */
export async function writeToneDataset(
  dir: string,
  {
    count = 24,
    validationSize = 6,
    subsetSizes = [4, 12],
    blank = [] as number[],
  }: { count?: number; validationSize?: number; subsetSizes?: number[]; blank?: number[] } = {},
): Promise<void> {
  await writeDatasetFolder(dir, {
    records: makeToneRecords(count, { blank }),
    validationSize,
    subsetSizes,
    seed: 7,
  });
}
