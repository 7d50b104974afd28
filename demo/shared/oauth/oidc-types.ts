import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The part of oidc-provider's API the demo authorization servers use, typed here because the package ships no
 * declarations (they live in @types/oidc-provider, which is not installed).
 */

export interface OidcInteraction {
  uid: string;
  prompt: {
    /** `login` or `consent` with the default policy. */
    name: string;
    reasons: string[];
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };
  params: { client_id: string; scope?: string; resource?: string | string[]; redirect_uri?: string };
  session?: { accountId: string; uid: string };
  grantId?: string;
}

export type OidcInteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description?: string };

export interface OidcGrant {
  accountId: string;
  clientId: string;
  /** Scopes the person declined; they override granted ones. */
  rejected?: { openid?: { scope?: string }; resources?: Record<string, string> };
  addOIDCScope(scope: string): void;
  rejectOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  rejectResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcAccessToken {
  accountId: string;
  clientId: string;
  scope?: string;
  aud?: string | string[];
  exp: number;
  grantId: string;
}

export interface OidcClient {
  clientId: string;
  metadata(): { client_name?: string; client_uri?: string };
}

/** The Koa context oidc-provider hands to middleware added with `use`. */
export interface OidcKoaContext {
  method: string;
  path: string;
  status: number;
  oidc?: { route?: string; params?: Record<string, unknown>; body?: Record<string, unknown> };
}

export interface OidcProvider {
  issuer: string;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: OidcKoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionResult(req: IncomingMessage, res: ServerResponse, result: OidcInteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
  AccessToken: { find(value: string, options?: { ignoreExpiration?: boolean }): Promise<OidcAccessToken | undefined> };
  Client: { find(id: string): Promise<OidcClient | undefined> };
}

export type OidcProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

/** What oidc-provider's adapters store: a JSON object per id, with these fields read by the store. */
export interface OidcPayload {
  [key: string]: unknown;
  grantId?: string;
  accountId?: string;
  uid?: string;
  userCode?: string;
  exp?: number;
  consumed?: number;
}

export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}
