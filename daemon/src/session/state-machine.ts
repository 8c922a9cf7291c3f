/**
 * The state of one session and the table of moves it may make. Both call sessions keep their
 * own states and table; this checks every move against it, so a move the table does not list is
 * a bug that shows (logged and thrown), not a state nobody planned for.
 */
import type { Logger } from '../log.js';

export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

export class StateMachine<S extends string> {
  private current: S;

  constructor(
    private readonly allowed: Transitions<S>,
    initial: S,
    private readonly machineLog: Logger,
    private readonly what = 'call',
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** True when the state is one of `states`. */
  in(...states: readonly S[]): boolean {
    return states.includes(this.current);
  }

  /** Moves to `to` (staying put is no move); throws when the table does not allow it. */
  to(to: S): void {
    const from = this.current;
    if (from === to) return;
    if (!this.allowed[from].includes(to)) {
      this.machineLog.warn('state change refused', { from, to });
      throw new Error(`${this.what} state ${from} cannot become ${to}`);
    }
    this.current = to;
    this.machineLog.debug('state', { from, to });
  }
}
