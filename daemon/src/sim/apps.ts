/**
 * Stasis applications as Asterisk keeps them: an app exists while a websocket is connected for it,
 * and stays registered but inactive (events discarded, new calls refused) while it still owns
 * channels or bridges after its last websocket went away.
 */
export interface AppConnection {
  send(data: string): void;
  /** Marks the connection replaced: Asterisk stops sending to it. */
  readonly id: number;
}

export interface AppState {
  name: string;
  connections: AppConnection[];
  subscribeAll: boolean;
  channelIds: Set<string>;
  bridgeIds: Set<string>;
}

export interface ApplicationJson {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: unknown[];
  events_disallowed: unknown[];
}

export class AppRegistry {
  private readonly apps = new Map<string, AppState>();
  private readonly allApps = new Set<string>();

  /** Registers a websocket for `name`; returns the connection it replaces, if any. */
  connect(name: string, conn: AppConnection, subscribeAll: boolean): AppConnection | undefined {
    const app = this.ensure(name);
    const replaced = app.connections.shift();
    app.connections = [conn];
    app.subscribeAll = subscribeAll;
    if (subscribeAll) this.allApps.add(name);
    else this.allApps.delete(name);
    return replaced;
  }

  disconnect(name: string, conn: AppConnection): void {
    const app = this.apps.get(name);
    if (!app) return;
    app.connections = app.connections.filter((c) => c.id !== conn.id);
    if (app.connections.length === 0) {
      this.allApps.delete(name);
      this.forgetIfIdle(name);
    }
  }

  get(name: string): AppState | undefined {
    return this.apps.get(name);
  }

  isActive(name: string): boolean {
    return (this.apps.get(name)?.connections.length ?? 0) > 0;
  }

  list(): AppState[] {
    return [...this.apps.values()];
  }

  /** Apps connected with subscribeAll=true: they see every channel and bridge. */
  subscribeAllApps(): ReadonlySet<string> {
    return this.allApps;
  }

  trackChannel(app: string, channelId: string): void {
    this.ensure(app).channelIds.add(channelId);
  }

  untrackChannel(app: string, channelId: string): void {
    const a = this.apps.get(app);
    if (!a) return;
    a.channelIds.delete(channelId);
    this.forgetIfIdle(app);
  }

  trackBridge(app: string, bridgeId: string): void {
    this.ensure(app).bridgeIds.add(bridgeId);
  }

  untrackBridge(app: string, bridgeId: string): void {
    const a = this.apps.get(app);
    if (!a) return;
    a.bridgeIds.delete(bridgeId);
    this.forgetIfIdle(app);
  }

  toJson(app: AppState): ApplicationJson {
    return {
      name: app.name,
      channel_ids: app.subscribeAll ? ['__AST_CHANNEL_ALL_TOPIC'] : [...app.channelIds],
      bridge_ids: app.subscribeAll ? ['__AST_BRIDGE_ALL_TOPIC'] : [...app.bridgeIds],
      endpoint_ids: app.subscribeAll ? ['__AST_ENDPOINT_ALL_TOPIC'] : [],
      device_names: app.subscribeAll ? ['__AST_DEVICE_STATE_ALL_TOPIC'] : [],
      events_allowed: [],
      events_disallowed: [],
    };
  }

  private ensure(name: string): AppState {
    let app = this.apps.get(name);
    if (!app) {
      app = {
        name,
        connections: [],
        subscribeAll: false,
        channelIds: new Set(),
        bridgeIds: new Set(),
      };
      this.apps.set(name, app);
    }
    return app;
  }

  private forgetIfIdle(name: string): void {
    const a = this.apps.get(name);
    if (a && a.connections.length === 0 && a.channelIds.size === 0 && a.bridgeIds.size === 0) {
      this.apps.delete(name);
    }
  }
}
