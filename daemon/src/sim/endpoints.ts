/** Parsing ARI originate endpoints (`TECH/resource`) into what the simulator needs. */
import { AriError } from './errors.js';

/** Technologies the simulator can create; anything else fails like an unloaded channel driver. */
export const SUPPORTED_TECH = new Set(['Local', 'PJSIP', 'SIP', 'IAX2', 'DAHDI']);

export interface ParsedEndpoint {
  tech: string;
  /** Everything after `TECH/`, as the Dial event's `dialstring` shows it. */
  resource: string;
  /** The dialled number the far-end rules are matched on. */
  number: string;
  /** Local: the dialplan context after '@'; others: the endpoint / peer name used in the channel name. */
  context: string;
  peerName: string;
}

export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const slash = endpoint.indexOf('/');
  if (slash <= 0 || slash === endpoint.length - 1)
    throw AriError.badRequest('Invalid endpoint specified');
  const tech = endpoint.slice(0, slash);
  const resource = endpoint.slice(slash + 1);
  if (!SUPPORTED_TECH.has(tech)) throw new AriError(500, { error: 'Allocation failed' });
  if (tech === 'Local') {
    const at = resource.indexOf('@');
    const exten = at < 0 ? resource : resource.slice(0, at);
    const context = at < 0 ? 'default' : (resource.slice(at + 1).split('/')[0] ?? 'default');
    return { tech, resource, number: exten, context, peerName: '' };
  }
  // PJSIP/{number}@trunk, PJSIP/trunk/sip:{number}@host, IAX2/peer/{number}, DAHDI/g1/{number}, SIP/{number}
  const parts = resource.split('/');
  let number: string;
  let peerName: string;
  if (parts.length > 1) {
    peerName = (parts[0] ?? '').split('@')[0] ?? '';
    number = (parts[parts.length - 1] ?? '').replace(/^sips?:/, '').split('@')[0] ?? '';
  } else {
    const at = resource.indexOf('@');
    number = at < 0 ? resource : resource.slice(0, at);
    peerName = at < 0 ? resource : resource.slice(at + 1);
  }
  return { tech, resource, number, context: 'default', peerName: peerName || number };
}
