import { Injectable } from '@nestjs/common';
import { IndexedMessage } from './indexed-message';

type Listener = (message: IndexedMessage) => void;

/** Every message this instance's reader indexes, as it arrives, for the live streams. */
@Injectable()
export class LiveFeed {
  private readonly listeners = new Set<Listener>();

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  publish(message: IndexedMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  /** Calls `listener` with every message indexed from now on; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
