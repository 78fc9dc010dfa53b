/**
 * A group consumer that gives up its partitions the way the Java consumer's rebalance listener
 * lets it: before this member sends JoinGroup again (a rebalance, a new generation, or a lost
 * membership), `beforeRejoin` runs to completion, so in-flight work can finish and commit while
 * the partitions are still this member's. The coordinator waits for the rejoin up to the
 * rebalance timeout, and keeps the member for a session timeout, so the hook must stay shorter.
 *
 * @platformatic/kafka rejoins on its own from the heartbeat, with no listener. This subclass hooks
 * the one step every (re)join takes, the client asking for its JoinGroup API (the kGetApi symbol
 * the package exports for subclasses). Its OffsetCommit also rejoins by itself when the group
 * rebalances; that rejoin is refused here, so a commit fails instead of committing for a
 * generation whose assignment the caller has not seen. The heartbeat still rejoins, through the hook.
 */
import { Consumer, kGetApi } from '@platformatic/kafka';
import type { API, Callback, CallbackWithPromise, ConsumerOptions, GroupOptions } from '@platformatic/kafka';
import { SdsError } from '../errors.ts';
import { baseOptions, type Limits } from './clients.ts';
import type { Connection } from './connection.ts';
import type { ClientOptions } from './kafka-options.ts';

export interface GroupConsumerHooks {
  /** Runs before every JoinGroup this member sends, the first included; the join waits for it. */
  readonly beforeRejoin: () => Promise<void>;
}

export class RejoinRefusedError extends SdsError {
  constructor() {
    super('SDS_ERR_CLIENT_FAILED', 'the group is rebalancing: this member rejoins from its heartbeat, after it has given up its partitions');
  }
}

export class GroupConsumer extends Consumer<Buffer, Buffer, Buffer, Buffer> {
  #hooks: GroupConsumerHooks;
  #inHook = false;

  constructor(options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, hooks: GroupConsumerHooks) {
    super(options);
    this.#hooks = hooks;
  }

  /** Joins the group (the first time); later rejoins happen from the heartbeat. */
  join(options: GroupOptions): Promise<string> {
    return super.joinGroup(options);
  }

  // Reached only from inside the client (OffsetCommit's own rejoin), or by callers who should use join().
  override joinGroup(options: GroupOptions, callback: CallbackWithPromise<string>): void;
  override joinGroup(options?: GroupOptions): Promise<string>;
  override joinGroup(_options?: GroupOptions, callback?: CallbackWithPromise<string>): void | Promise<string> {
    const error = new RejoinRefusedError();
    if (callback !== undefined) {
      callback(error);
      return;
    }
    return Promise.reject(error);
  }

  override [kGetApi]<RequestArguments extends unknown[], ResponseType>(name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    if (name !== 'JoinGroup' || this.#inHook) {
      super[kGetApi](name, callback);
      return;
    }
    this.#inHook = true;
    this.#hooks
      .beforeRejoin()
      .catch(() => undefined) // the hook reports its own failures; the join goes ahead regardless
      .finally(() => {
        this.#inHook = false;
        super[kGetApi](name, callback);
      });
  }
}

export function createGroupConsumer(
  connection: Connection,
  options: Omit<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, keyof ClientOptions>,
  hooks: GroupConsumerHooks,
  limits?: Limits,
): GroupConsumer {
  return new GroupConsumer({ ...baseOptions(connection, limits), ...options }, hooks);
}
