import { Injectable } from '@nestjs/common';

/** The time the delivery worker schedules by; tests move it instead of waiting. */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
