import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/** Where a transaction's query runner keeps the signals it raises at commit. */
const RAISED = 'kiCommitSignals';

type Listener = () => void;

/** One subscriber per data source dispatches every signal to its listeners. */
const listenersOf = new WeakMap<DataSource, Map<string, Set<Listener>>>();

function raised(runner: QueryRunner): Set<string> | undefined {
  return (runner.data as Record<string, Set<string> | undefined>)[RAISED];
}

function subscriber(listeners: Map<string, Set<Listener>>): EntitySubscriberInterface {
  return {
    afterTransactionCommit({ queryRunner }) {
      // A released savepoint is no commit: the outer transaction may still roll back.
      if (queryRunner.isTransactionActive) return;
      const signals = raised(queryRunner);
      if (!signals) return;
      delete (queryRunner.data as Record<string, unknown>)[RAISED];
      for (const signal of signals) for (const listener of listeners.get(signal) ?? []) listener();
    },
    afterTransactionRollback({ queryRunner }) {
      if (!queryRunner.isTransactionActive) delete (queryRunner.data as Record<string, unknown>)[RAISED];
    },
  };
}

/**
 * Raises `signal` when the transaction of `manager` commits (at once without a transaction), so a
 * poller in this process that waits for the rows just written (the outbox relay, a dispatcher)
 * starts now instead of at its next poll. Nothing is raised for a transaction that rolls back.
 */
export function raiseAfterCommit(manager: EntityManager, signal: string): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    for (const listener of listenersOf.get(manager.connection)?.get(signal) ?? []) listener();
    return;
  }
  const data = runner.data as Record<string, Set<string> | undefined>;
  (data[RAISED] ??= new Set()).add(signal);
}

/**
 * Calls `listener` after every commit of `dataSource` that raised `signal`; returns the function
 * that stops it. Call it on an initialised data source (initialising replaces its subscribers).
 * Signals stay in the process: pollers keep polling for the work of other processes.
 */
export function onCommitSignal(dataSource: DataSource, signal: string, listener: Listener): () => void {
  let listeners = listenersOf.get(dataSource);
  if (!listeners) {
    listeners = new Map();
    listenersOf.set(dataSource, listeners);
    dataSource.subscribers.push(subscriber(listeners));
  }
  const forSignal = listeners.get(signal) ?? new Set();
  listeners.set(signal, forSignal);
  forSignal.add(listener);
  return () => forSignal.delete(listener);
}
