import { InvalidArgumentError } from '@tonekit/core';
import {
  type ChatExample,
  type Dialogue,
  type DialogueTestPrompt,
  defaultResponder,
  dialogueSplitOfFile,
  dialoguesToChatExamples,
  dialoguesToTestPrompts,
} from '@tonekit/dataset';
import { describe, expect, it } from 'vitest';

const empathetic: Dialogue = {
  id: 'hit:0_conv:1',
  turns: [
    { speaker: '1', text: 'I got the job!' },
    { speaker: '0', text: 'Congratulations!' },
    { speaker: '1', text: 'Thanks, I start Monday. ' },
    { speaker: '0', text: ' Are you nervous?' },
  ],
};

const wizard: Dialogue = {
  id: 'w1',
  turns: [
    { speaker: '0_Wizard', text: 'Do you like jazz?' },
    { speaker: '1_Apprentice', text: 'I do.' },
    { speaker: '0_Wizard', text: 'Jazz began in New Orleans.' },
    { speaker: '1_Apprentice', text: 'Really?' },
    { speaker: '0_Wizard', text: 'Yes, in the late 19th century.' },
  ],
};

const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

describe('dialoguesToChatExamples', () => {
  it('Empathetic Dialogues: the listener (odd positions) responds, with the whole context before', () => {
    const examples = dialoguesToChatExamples([empathetic], {
      responder: defaultResponder('empathetic-dialogues'),
    });
    expect(examples).toEqual<ChatExample[]>([
      { messages: [user('I got the job!'), assistant('Congratulations!')] },
      {
        messages: [
          user('I got the job!'),
          assistant('Congratulations!'),
          user('Thanks, I start Monday.'),
          assistant('Are you nervous?'),
        ],
      },
    ]);
  });

  it("'even' makes the other side respond; the opener answers no one and is skipped", () => {
    const examples = dialoguesToChatExamples([empathetic], { responder: 'even' });
    expect(examples).toEqual<ChatExample[]>([
      {
        messages: [
          assistant('I got the job!'),
          user('Congratulations!'),
          assistant('Thanks, I start Monday.'),
        ],
      },
    ]);
  });

  it('Wizard of Wikipedia: the Wizard responds; its opener is kept as an assistant message, or dropped', () => {
    const responder = defaultResponder('wizard-of-wikipedia');
    const kept = dialoguesToChatExamples([wizard], { responder });
    expect(kept).toEqual<ChatExample[]>([
      { messages: [assistant('Do you like jazz?'), user('I do.'), assistant('Jazz began in New Orleans.')] },
      {
        messages: [
          assistant('Do you like jazz?'),
          user('I do.'),
          assistant('Jazz began in New Orleans.'),
          user('Really?'),
          assistant('Yes, in the late 19th century.'),
        ],
      },
    ]);
    const dropped = dialoguesToChatExamples([wizard], { responder, leadingAssistant: 'drop' });
    expect(dropped.map((example) => example.messages[0])).toEqual([user('I do.'), user('I do.')]);
    // The Apprentice's side of the same data, through a speaker pattern.
    const apprentice = dialoguesToChatExamples([wizard], { responder: { speaker: /apprentice/i } });
    expect(apprentice.map((example) => example.messages.at(-1)?.content)).toEqual(['I do.', 'Really?']);
  });

  it('merges consecutive turns of one side and leaves empty turns out', () => {
    const dialogue: Dialogue = {
      id: 'm',
      turns: [
        { speaker: 'A', text: 'Hello.' },
        { speaker: 'A', text: '  ' },
        { speaker: 'A', text: 'Anyone there?' },
        { speaker: 'B', text: 'Yes.' },
        { speaker: 'B', text: 'Hi!' },
        { speaker: 'A', text: 'Great.' },
        { speaker: 'C', text: 'Me too.' },
        { speaker: 'B', text: 'Welcome, both.' },
      ],
    };
    const examples = dialoguesToChatExamples([dialogue], { responder: { speaker: /^B$/ } });
    expect(examples).toEqual<ChatExample[]>([
      { messages: [user('Hello.\nAnyone there?'), assistant('Yes.')] },
      // "Hi!" follows B's own turn: it answers no one, so it is not an example of its own.
      {
        messages: [
          user('Hello.\nAnyone there?'),
          assistant('Yes.\nHi!'),
          user('Great.\nMe too.'),
          assistant('Welcome, both.'),
        ],
      },
    ]);
  });

  it('keeps at most maxContextTurns turns of context, and skips a response whose window has no user turn', () => {
    const two = dialoguesToChatExamples([wizard], { responder: { speaker: /wizard/i }, maxContextTurns: 2 });
    expect(two).toEqual<ChatExample[]>([
      { messages: [assistant('Do you like jazz?'), user('I do.'), assistant('Jazz began in New Orleans.')] },
      {
        messages: [
          assistant('Jazz began in New Orleans.'),
          user('Really?'),
          assistant('Yes, in the late 19th century.'),
        ],
      },
    ]);
    const one = dialoguesToChatExamples([wizard], { responder: { speaker: /wizard/i }, maxContextTurns: 1 });
    expect(one.map((example) => example.messages)).toEqual([
      [user('I do.'), assistant('Jazz began in New Orleans.')],
      [user('Really?'), assistant('Yes, in the late 19th century.')],
    ]);
  });

  it('adds a system message: a string, none for null or empty, or a function of the dialogue', () => {
    const withPrompt = dialoguesToChatExamples([empathetic], { responder: 'odd', systemPrompt: 'Be warm.' });
    expect(withPrompt.map((example) => example.messages[0])).toEqual([
      { role: 'system', content: 'Be warm.' },
      { role: 'system', content: 'Be warm.' },
    ]);
    for (const systemPrompt of [null, '']) {
      const none = dialoguesToChatExamples([empathetic], { responder: 'odd', systemPrompt });
      expect(none.every((example) => example.messages[0]?.role === 'user')).toBe(true);
    }
    const perDialogue = dialoguesToChatExamples([{ ...wizard, meta: { topic: 'Jazz' } }], {
      responder: defaultResponder('wizard-of-wikipedia'),
      systemPrompt: (dialogue) => `Topic: ${String(dialogue.meta?.['topic'])}`,
    });
    expect(perDialogue[1]?.messages[0]).toEqual({ role: 'system', content: 'Topic: Jazz' });
    // Examples do not share message objects: editing one leaves the others alone.
    (withPrompt[0]?.messages[0] as { content: string }).content = 'changed';
    expect(withPrompt[1]?.messages[0]?.content).toBe('Be warm.');
  });

  it('takes a predicate, and tests /g patterns from the start every time', () => {
    const predicate = dialoguesToChatExamples([wizard], {
      responder: (turn, index, dialogue) =>
        dialogue.id === 'w1' && index === 3 && turn.speaker === '1_Apprentice',
    });
    // Everyone else is the user: the three turns before merge into one message.
    expect(predicate).toEqual<ChatExample[]>([
      { messages: [user('Do you like jazz?\nI do.\nJazz began in New Orleans.'), assistant('Really?')] },
    ]);
    const global = dialoguesToChatExamples([wizard], { responder: { speaker: /wizard/gi } });
    expect(global).toHaveLength(2);
  });

  it('turns format default: assistant turns when there are any, else odd positions', () => {
    const responder = defaultResponder('turns');
    const chat: Dialogue = {
      id: 'c',
      turns: [
        { speaker: 'assistant', text: 'How can I help?' },
        { speaker: 'user', text: 'Tell me a joke.' },
        { speaker: 'assistant', text: 'Why did the chicken cross the road?' },
      ],
    };
    expect(
      dialoguesToChatExamples([chat], { responder }).map((example) => example.messages.at(-1)?.content),
    ).toEqual(['Why did the chicken cross the road?']);
    const plain: Dialogue = {
      id: 'p',
      turns: [
        { speaker: 'Ann', text: 'a' },
        { speaker: 'Bob', text: 'b' },
      ],
    };
    expect(dialoguesToChatExamples([plain], { responder })).toEqual([
      { messages: [user('a'), assistant('b')] },
    ]);
  });

  it('rejects bad options by name', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ responder: 'third' }, 'responder'],
      [{ responder: { speaker: 'wizard' } }, 'responder'],
      [{ responder: 'odd', maxContextTurns: 0 }, 'maxContextTurns'],
      [{ responder: 'odd', leadingAssistant: 'skip' }, 'leadingAssistant'],
      [{ responder: 'odd', systemPrompt: 3 }, 'systemPrompt'],
    ];
    for (const [options, argument] of cases) {
      let caught: unknown;
      try {
        dialoguesToChatExamples([], options as never);
      } catch (error) {
        caught = error;
      }
      expect(InvalidArgumentError.isInstance(caught), argument).toBe(true);
      expect((caught as InvalidArgumentError).argument).toBe(argument);
    }
    expect(() => defaultResponder('ubuntu' as 'turns')).toThrow(/format/);
  });
});

describe('dialoguesToTestPrompts', () => {
  it('gives the context as messages, the last user message as question and the gold turn as reference', () => {
    const prompts = dialoguesToTestPrompts([empathetic, wizard], {
      responder: (turn, index, dialogue) =>
        dialogue.id === 'w1' ? /wizard/i.test(turn.speaker) : index % 2 === 1,
      systemPrompt: 'Be brief.',
    });
    expect(prompts).toEqual<DialogueTestPrompt[]>([
      {
        id: 'hit:0_conv:1#1',
        question: 'I got the job!',
        messages: [{ role: 'system', content: 'Be brief.' }, user('I got the job!')],
        reference: 'Congratulations!',
      },
      {
        id: 'hit:0_conv:1#3',
        question: 'Thanks, I start Monday.',
        messages: [
          { role: 'system', content: 'Be brief.' },
          user('I got the job!'),
          assistant('Congratulations!'),
          user('Thanks, I start Monday.'),
        ],
        reference: 'Are you nervous?',
      },
      {
        id: 'w1#2',
        question: 'I do.',
        messages: [{ role: 'system', content: 'Be brief.' }, assistant('Do you like jazz?'), user('I do.')],
        reference: 'Jazz began in New Orleans.',
      },
      {
        id: 'w1#4',
        question: 'Really?',
        messages: [
          { role: 'system', content: 'Be brief.' },
          assistant('Do you like jazz?'),
          user('I do.'),
          assistant('Jazz began in New Orleans.'),
          user('Really?'),
        ],
        reference: 'Yes, in the late 19th century.',
      },
    ]);
  });

  it('uses the merged user message as the question', () => {
    const [prompt] = dialoguesToTestPrompts(
      [
        {
          id: 'x',
          turns: [
            { speaker: 'a', text: 'One.' },
            { speaker: 'a', text: 'Two?' },
            { speaker: 'b', text: 'Three.' },
          ],
        },
      ],
      { responder: { speaker: /^b$/ } },
    );
    expect(prompt?.question).toBe('One.\nTwo?');
    expect(prompt?.id).toBe('x#2');
  });
});

describe('dialogueSplitOfFile', () => {
  it('reads the split from Hub shard names, their folders and ParlAI names, word by word', () => {
    const cases: [string, string | undefined][] = [
      ['/cache/snapshots/abc/data/train-00000-of-00001.parquet', 'train'],
      ['/cache/snapshots/abc/data/validation-00000-of-00001.parquet', 'validation'],
      ['/cache/snapshots/abc/default/test/0000.parquet', 'test'],
      ['/cache/snapshots/abc/default/partial-train/0000.parquet', 'train'],
      ['/w/wizard_of_wikipedia/valid_random_split.json', 'validation'],
      ['/w/wizard_of_wikipedia/test_topic_split.json', 'test'],
      ['/w/dev.jsonl', 'validation'],
      ['/w/eval2.jsonl', 'test'],
      ['/tmp/test-123/dialogues.jsonl', undefined],
      ['/tmp/test/dialogues/contest.jsonl', undefined],
      ['/tmp/test/dialogues.jsonl', 'test'],
      ['/tmp/tonekit-train-x/dialogues.jsonl', undefined],
      ['/x/constructor/constructor.jsonl', undefined],
      ['/x/train-test.jsonl', undefined],
    ];
    for (const [file, split] of cases) expect(dialogueSplitOfFile(file), file).toBe(split);
  });
});
