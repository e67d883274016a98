import {
  asyncDispose,
  CancelledError,
  InvalidArgumentError,
  type LogitSequence,
  type NextLogProbsOptions,
  TonekitError,
} from '@tonekit/core';
import { decodeLogProbs } from './decode-log-probs.js';

/** Sends one worker request; the batcher never talks to the worker any other way. */
export type WorkerCall = <T>(method: string, params: Record<string, unknown>) => Promise<T>;

export interface SequenceBatcherOptions {
  /** The `load_model` handle every member's adapter belongs to. */
  handle: string;
  vocabularySize: number;
  call: WorkerCall;
}

interface Call {
  tokens: number[];
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve(values: Float32Array): void;
  reject(error: unknown): void;
  inFlight: boolean;
  /** The caller got CancelledError while the worker was computing: the result is dropped. */
  abandoned: boolean;
}

interface Group {
  /** The worker's group id; empty until `open_sequences` answers. */
  id: string;
  members: Member[];
  busy: boolean;
  /** A member's worker row no longer matches its history (an abandoned or failed step): close it. */
  broken: boolean;
  closed: boolean;
}

interface Member {
  adapter: string | null;
  /** Every token the caller has been answered for; the worker row holds exactly these when grouped. */
  history: number[];
  group: Group | undefined;
  call: Call | undefined;
  lastLogProbs: Float32Array | undefined;
  disposed: boolean;
}

/**
 * Coalesces the sequences of one loaded model so that n sequences stepped together cost ONE batched
 * forward in the worker (PEFT mixed-adapter batch: one row per sequence, each with its own adapter).
 *
 * The rule: `doNextLogProbs` calls are collected until the next `setImmediate` (so every call made in
 * the same macrotask, including its microtasks, such as a blend's `Promise.all` over its sources, lands
 * in one batch), then
 * - the members of an existing worker group advance in one `step` when every member of the group has a
 *   call in the batch and all append the same number of tokens;
 * - otherwise that group is closed, and its members continue as ungrouped sequences;
 * - ungrouped sequences with a call in the batch are grouped by total length (their tokens so far plus
 *   the new ones: the worker requires equal lengths within a step), each group opened with one
 *   `open_sequences` and fed in one `step` that replays the members' earlier tokens, if any.
 * A sequence used alone is therefore a group of one, and a sequence that leaves its group's rhythm (its
 * peers were disposed, it steps alone, its call was aborted mid-step) pays one re-fill of its tokens
 * and then batches again. Log-probabilities do not depend on the grouping beyond float rounding.
 */
export class SequenceBatcher {
  readonly #options: SequenceBatcherOptions;
  readonly #queued = new Set<Member>();
  readonly #groups = new Set<Group>();
  /** Steps and group closes under way, awaited by `close()`. */
  readonly #work = new Set<Promise<void>>();
  #flushScheduled = false;
  #closed = false;

  constructor(options: SequenceBatcherOptions) {
    this.#options = options;
  }

  /** A new sequence with `adapter` (`null`: the base model). It joins a worker group on its first call. */
  createSequence(adapter: string | null): LogitSequence {
    const member: Member = {
      adapter,
      history: [],
      group: undefined,
      call: undefined,
      lastLogProbs: undefined,
      disposed: false,
    };
    const dispose = () => this.#disposeMember(member);
    return {
      doNextLogProbs: (options) => this.#next(member, options),
      dispose,
      [asyncDispose]: dispose,
    };
  }

  /** Rejects queued calls, waits for steps under way, and closes every worker group. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const member of this.#queued) this.#rejectQueued(member, disposedError('source'));
    this.#queued.clear();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    for (const group of [...this.#groups]) void this.#closeGroup(group);
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  #next(member: Member, { tokens, abortSignal }: NextLogProbsOptions): Promise<Float32Array> {
    if (member.disposed) return Promise.reject(disposedError('sequence'));
    if (this.#closed) return Promise.reject(disposedError('source'));
    if (member.call !== undefined) {
      return Promise.reject(
        new TonekitError({
          message: 'doNextLogProbs is already running on this sequence: await it before the next call.',
        }),
      );
    }
    if (!Array.isArray(tokens)) {
      return Promise.reject(
        new InvalidArgumentError({
          argument: 'tokens',
          value: tokens,
          message: 'expected an array of token ids.',
        }),
      );
    }
    const { vocabularySize } = this.#options;
    for (const id of tokens) {
      if (!(Number.isInteger(id) && id >= 0 && id < vocabularySize)) {
        return Promise.reject(
          new InvalidArgumentError({
            argument: 'tokens',
            value: id,
            message: `token id ${id} is not in the vocabulary of ${vocabularySize} tokens.`,
          }),
        );
      }
    }
    if (abortSignal?.aborted) return Promise.reject(CancelledError.fromSignal(abortSignal));
    if (tokens.length === 0) {
      if (member.lastLogProbs === undefined) {
        return Promise.reject(
          new InvalidArgumentError({
            argument: 'tokens',
            value: tokens,
            message: 'the first call must append at least one token (the prompt).',
          }),
        );
      }
      // Nothing appended: the distribution is the one already computed.
      return Promise.resolve(member.lastLogProbs.slice());
    }
    return new Promise<Float32Array>((resolve, reject) => {
      const call: Call = {
        tokens: [...tokens],
        signal: abortSignal,
        onAbort: () => this.#onAbort(member, call),
        resolve: (values) => {
          abortSignal?.removeEventListener('abort', call.onAbort);
          resolve(values);
        },
        reject: (error) => {
          abortSignal?.removeEventListener('abort', call.onAbort);
          reject(error);
        },
        inFlight: false,
        abandoned: false,
      };
      abortSignal?.addEventListener('abort', call.onAbort, { once: true });
      member.call = call;
      this.#queued.add(member);
      this.#scheduleFlush();
    });
  }

  #onAbort(member: Member, call: Call): void {
    if (member.call !== call) return;
    member.call = undefined;
    if (call.inFlight) {
      // The worker is computing this row already: the caller is answered now, the row is dropped later.
      call.abandoned = true;
      if (member.group !== undefined) member.group.broken = true;
    } else {
      this.#queued.delete(member);
    }
    call.reject(CancelledError.fromSignal(call.signal!));
  }

  #rejectQueued(member: Member, error: unknown): void {
    const call = member.call;
    if (call === undefined || call.inFlight) return;
    member.call = undefined;
    call.reject(error);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const byGroup = new Map<Group, Member[]>();
    const ungrouped: Member[] = [];
    for (const member of this.#queued) {
      const group = member.group;
      if (group === undefined) ungrouped.push(member);
      else if (!group.busy) byGroup.set(group, [...(byGroup.get(group) ?? []), member]);
      // A member of a busy group waits in the queue: it can only be there after an abort broke the group,
      // which is closed when the step under way returns, and that schedules another flush.
    }
    for (const [group, members] of byGroup) {
      const length = members[0]!.call!.tokens.length;
      const inStep =
        !group.broken &&
        members.length === group.members.length &&
        members.every((member) => member.call!.tokens.length === length);
      if (inStep) {
        for (const member of members) this.#queued.delete(member);
        this.#track(this.#step(group, false));
      } else {
        void this.#closeGroup(group);
        ungrouped.push(...members);
      }
    }
    const byLength = new Map<number, Member[]>();
    for (const member of ungrouped) {
      this.#queued.delete(member);
      const length = member.history.length + member.call!.tokens.length;
      byLength.set(length, [...(byLength.get(length) ?? []), member]);
    }
    for (const members of byLength.values()) {
      const group: Group = { id: '', members, busy: true, broken: false, closed: false };
      for (const member of members) member.group = group;
      this.#groups.add(group);
      this.#track(this.#step(group, true));
    }
  }

  /** Runs one `step` of `group` (after `open_sequences` when `open`), answering every member's call. */
  async #step(group: Group, open: boolean): Promise<void> {
    group.busy = true;
    const { members } = group;
    const calls = members.map((member) => member.call!);
    for (const call of calls) call.inFlight = true;
    try {
      if (open) {
        const opened = await this.#options.call<{ group?: unknown }>('open_sequences', {
          handle: this.#options.handle,
          adapters: members.map((member) => member.adapter),
        });
        if (typeof opened?.group !== 'string') {
          throw new TonekitError({ message: 'The worker answered `open_sequences` without a group id.' });
        }
        group.id = opened.group;
      }
      const feeds = members.map((member, row) =>
        open ? [...member.history, ...calls[row]!.tokens] : calls[row]!.tokens,
      );
      const answer = await this.#options.call<{ log_probs?: unknown }>('step', {
        group: group.id,
        tokens: feeds,
      });
      const rows = answer?.log_probs;
      if (
        !Array.isArray(rows) ||
        rows.length !== members.length ||
        rows.some((row) => typeof row !== 'string')
      ) {
        throw new TonekitError({
          message: `The worker answered \`step\` without one base64 row of log-probabilities per sequence (${members.length}).`,
        });
      }
      const decoded = rows.map((row: string) => decodeLogProbs(row, this.#options.vocabularySize));
      members.forEach((member, row) => {
        const call = calls[row]!;
        if (call.abandoned) return;
        const values = decoded[row]!;
        member.history.push(...call.tokens);
        member.lastLogProbs = values;
        if (member.call === call) member.call = undefined;
        call.resolve(values.slice());
      });
    } catch (error) {
      // The worker rows may or may not have advanced: the group is dropped and every member re-fills.
      group.broken = true;
      members.forEach((member, row) => {
        const call = calls[row]!;
        if (call.abandoned) return;
        if (member.call === call) member.call = undefined;
        call.reject(error);
      });
    } finally {
      group.busy = false;
      if (group.broken || members.every((member) => member.disposed)) void this.#closeGroup(group);
      if (this.#queued.size > 0) this.#scheduleFlush();
    }
  }

  #closeGroup(group: Group): Promise<void> {
    if (group.closed) return Promise.resolve();
    group.closed = true;
    this.#groups.delete(group);
    for (const member of group.members) {
      if (member.group === group) member.group = undefined;
    }
    if (group.id === '') return Promise.resolve();
    // A failed close only leaks worker memory until `unload_model`; it must not fail the caller's step.
    const closing = this.#options.call('close_sequences', { group: group.id }).then(
      () => {},
      () => {},
    );
    this.#track(closing);
    return closing;
  }

  async #disposeMember(member: Member): Promise<void> {
    if (member.disposed) return;
    member.disposed = true;
    if (this.#queued.delete(member)) this.#rejectQueued(member, disposedError('sequence'));
    const group = member.group;
    if (group !== undefined && !group.busy && group.members.every((peer) => peer.disposed)) {
      await this.#closeGroup(group);
    }
  }

  #track(work: Promise<void>): void {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
  }
}

function disposedError(what: 'sequence' | 'source'): TonekitError {
  return new TonekitError({
    message:
      what === 'sequence'
        ? 'The sequence has been disposed.'
        : 'The worker logit sources have been disposed.',
  });
}
