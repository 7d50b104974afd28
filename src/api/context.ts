import type { Logger } from '../observability/logger.ts';
import type { ActiveSession } from '../identity/sessions.ts';
import type { AppServices } from './services.ts';

export interface Principal {
  userId: string;
  via: 'token' | 'session';
  tokenId?: string;
  session?: ActiveSession;
}

export interface AppEnv {
  Variables: {
    services: AppServices;
    requestId: string;
    log: Logger;
    principal: Principal | undefined;
  };
}
