import { Injectable } from '@nestjs/common';

/** mulberry32: a small, fast PRNG; good enough for picking games, and reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where the picker's randomness comes from: Math.random, or a seeded sequence in tests. */
@Injectable()
export class RandomSource {
  private generator: () => number = Math.random;

  /** A number in [0, 1). */
  next(): number {
    return this.generator();
  }

  seed(seed: number): void {
    this.generator = mulberry32(seed);
  }
}
