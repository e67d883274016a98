import { endianness } from 'node:os';
import { TonekitError } from '@tonekit/core';

const littleEndian = endianness() === 'LE';

/**
 * Decodes one row of a `step` answer: base64 of `vocabularySize` little-endian float32 values. Copied
 * into a fresh buffer because `Buffer.from` may return a slice of a shared pool at an offset that is
 * not a multiple of 4, which a Float32Array view cannot start at.
 */
export function decodeLogProbs(base64: string, vocabularySize: number): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== vocabularySize * 4) {
    throw new TonekitError({
      message:
        `The worker sent ${bytes.length} bytes of log-probabilities, expected ${vocabularySize * 4} ` +
        `(${vocabularySize} float32 values).`,
    });
  }
  const values = new Float32Array(vocabularySize);
  if (littleEndian) {
    new Uint8Array(values.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < vocabularySize; index++) values[index] = view.getFloat32(index * 4, true);
  }
  return values;
}
