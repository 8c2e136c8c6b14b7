import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { CrossValidationError } from './errors';

/** A seeded source of random numbers; every method advances the stream. */
export interface Random {
  /** A float in [0, 1) with 53 random bits. */
  next(): number;
  /** An integer in [0, n), unbiased; `n` must be a positive integer. */
  int(n: number): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
}

/**
 * An independent, reproducible random stream for one purpose, e.g. `seedStream(seed, 'crop', fold)`.
 * The key `[seed, ...purpose]` is hashed into the 128-bit state of pure-rand's xoroshiro128+, so adding a
 * fold, a run or a new purpose never shifts the numbers any other stream gives (the idea of NumPy's
 * `SeedSequence` spawn keys). `1` and `'1'` are different purposes.
 */
export function seedStream(seed: number, ...purpose: (string | number)[]): Random {
  if (!Number.isSafeInteger(seed)) throw new CrossValidationError(`Error in seedStream: seed must be an integer, but got ${seed}`);
  purpose.forEach((part, index) => {
    if (typeof part !== 'string' && !Number.isFinite(part)) {
      throw new CrossValidationError(`Error in seedStream: purpose[${index}] must be a string or a finite number, but got ${String(part)}`);
    }
  });
  const state = hash128(JSON.stringify([seed, ...purpose]));
  if (!state.some((word) => word !== 0)) state[0] = 1; // xoroshiro's one forbidden state
  const generator = xoroshiro128plusFromState(state);
  const random: Random = {
    next: () => uniformFloat64(generator),
    int: (n) => {
      if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new CrossValidationError(`Error in Random.int: n must be an integer in [1, 2^32], but got ${n}`);
      return uniformInt(generator, 0, n - 1);
    },
    shuffle: (array) => {
      for (let i = array.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [array[i], array[j]] = [array[j] as (typeof array)[number], array[i] as (typeof array)[number]];
      }
      return array;
    },
  };
  return random;
}

/**
 * cyrb128 (bryc, public domain): four 32-bit lanes of multiply–xor mixing over the key's UTF-16 code units.
 * Written here because pure-rand seeds only from one 32-bit integer; a 128-bit hash of the whole key keeps
 * distinct (seed, purpose) keys from colliding into the same stream.
 */
function hash128(key: string): number[] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 | 0, h2 | 0, h3 | 0, h4 | 0];
}
