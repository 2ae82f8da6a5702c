import type { BusEvent, DeadLetter, DeadLetterSink } from '../functions/runtime/ports';

/** A dead letter as the local copy keeps it: what the handler reported, plus how it got here. */
export interface LocalDeadLetter extends DeadLetter {
  /** The handler that gave up on the event, when delivery failed rather than validation. */
  readonly handler?: string;
  /** Delivery attempts made before giving up (retries exhausted). */
  readonly attempts?: number;
  /** Real time at which the letter arrived (ISO). */
  readonly receivedAt: string;
}

/**
 * The local dead-letter queue (SQS in AWS): handlers send rejected events here, and so does
 * the local bus when a handler keeps failing. `GET /_local/dead-letters` lists them.
 */
export class InMemoryDeadLetterQueue implements DeadLetterSink {
  private readonly letters: LocalDeadLetter[] = [];

  async deadLetter(letter: DeadLetter): Promise<void> {
    this.add(letter);
  }

  add(letter: DeadLetter & { readonly handler?: string; readonly attempts?: number }): void {
    this.letters.push({ ...letter, event: copyOf(letter.event), receivedAt: new Date().toISOString() });
  }

  /** Oldest first. */
  list(): readonly LocalDeadLetter[] {
    return [...this.letters];
  }

  clear(): void {
    this.letters.length = 0;
  }
}

/**
 * A copy the letter keeps; an event too deep to copy (structuredClone overflows the stack)
 * is kept with a note in place of its detail, so the letter is never lost with it.
 */
function copyOf(event: BusEvent): BusEvent {
  try {
    return structuredClone(event);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...event, resources: [...(event.resources ?? [])], detail: { '(not kept)': `the detail could not be copied (${reason})` } };
  }
}
