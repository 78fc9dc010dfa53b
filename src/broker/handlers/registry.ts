import { API_SPECS, type ApiKey } from '../../protocol/generated/apis.ts';
import type { ApiHandler } from './types.ts';

export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The broker's APIs. ApiVersions is built from what is registered here, so the broker
 * never advertises an API it does not implement.
 */
export class HandlerRegistry {
  private readonly handlers = new Map<number, ApiHandler>();

  register<K extends ApiKey>(handler: ApiHandler<K>): this {
    const spec = API_SPECS[handler.apiKey];
    if (this.handlers.has(handler.apiKey)) throw new Error(`a handler for ${spec.name} is already registered`);
    if (handler.minVersion < spec.minVersion && !(handler.apiKey === 0 && handler.minVersion === 0)) {
      throw new Error(`${spec.name}: version ${handler.minVersion} is below the codec's ${spec.minVersion}`);
    }
    if (handler.maxVersion > spec.maxVersion || handler.minVersion > handler.maxVersion) {
      throw new Error(`${spec.name}: invalid version range ${handler.minVersion}-${handler.maxVersion}`);
    }
    this.handlers.set(handler.apiKey, handler);
    return this;
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  /**
   * True when the API is registered and the version is one the broker can read: inside the
   * advertised range and inside the codec's (Produce advertises 0 but reads only 3+).
   */
  supports(apiKey: number, version: number): boolean {
    const h = this.handlers.get(apiKey);
    if (h === undefined) return false;
    return version >= Math.max(h.minVersion, API_SPECS[h.apiKey].minVersion) && version <= h.maxVersion;
  }

  advertised(): AdvertisedApi[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
