import { basename, dirname, extname } from 'node:path';

/** The splits dialogue data is prepared into. */
export type DialogueSplitName = 'train' | 'validation' | 'test';

const splitWords = new Map<string, DialogueSplitName>(
  Object.entries({
    train: 'train',
    training: 'train',
    validation: 'validation',
    valid: 'validation',
    val: 'validation',
    dev: 'validation',
    test: 'test',
    testing: 'test',
    eval: 'test',
    evaluation: 'test',
  } satisfies Record<string, DialogueSplitName>),
);

/**
 * The split a file belongs to by its name, as the Hub names shards (`data/train-00000-of-00001.parquet`,
 * `default/validation/0000.parquet`, `default/partial-test/0000.parquet`) and ParlAI names files
 * (`valid_random_split.json`, `test_topic_split.json`), with the synonyms of the `datasets` library
 * (`training`, `valid`/`val`/`dev`, `testing`/`eval`/`evaluation`). In the file name, whole words count
 * (letters between anything else, so `contest.jsonl` is no test file but `train2.jsonl` is train); a folder counts only when its whole name is a split (after a
 * `partial-` prefix), and only the file's own folder, so a temporary folder `test-4f2a/` misleads
 * nothing. `undefined` when no single split is named.
 */
export function dialogueSplitOfFile(file: string): DialogueSplitName | undefined {
  const fromName = splitOfName(basename(file, extname(file)));
  if (fromName !== undefined) return fromName === 'ambiguous' ? undefined : fromName;
  return splitWords.get(
    basename(dirname(file))
      .toLowerCase()
      .replace(/^partial-/, ''),
  );
}

function splitOfName(name: string): DialogueSplitName | 'ambiguous' | undefined {
  const found = new Set<DialogueSplitName>();
  for (const word of name.toLowerCase().split(/[^a-z]+/)) {
    const split = splitWords.get(word);
    if (split !== undefined) found.add(split);
  }
  if (found.size > 1) return 'ambiguous';
  return found.values().next().value;
}
