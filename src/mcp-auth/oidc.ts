// @ts-expect-error oidc-provider ships no type declarations; the interfaces below type the part Switchboard uses.
import Provider, { errors } from 'oidc-provider';
import type { IncomingMessage } from 'node:http';

/** A Node response: a real ServerResponse or the bridge's CapturedResponse. */
type NodeResponse = object;

/** The part of oidc-provider's API src/mcp-auth uses (the package ships no declarations). */

export interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> } };
  params: { client_id: string; scope?: string; resource?: string | string[]; redirect_uri?: string };
  session?: { accountId: string; uid: string };
  grantId?: string;
  exp: number;
}

export type OidcInteractionResult = { login: { accountId: string } } | { consent: { grantId: string } } | { error: string; error_description?: string };

export interface OidcGrant {
  accountId: string;
  clientId: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcAccessToken {
  accountId: string;
  clientId: string;
  grantId: string;
  scope?: string;
  aud?: string | string[];
  exp: number;
}

export interface OidcClient {
  clientId: string;
  redirectUris?: string[];
  metadata(): { client_name?: string; client_uri?: string; redirect_uris?: string[] };
}

export interface OidcKoaContext {
  method: string;
  path: string;
  status: number;
  oidc?: { route?: string };
}

export interface OidcProvider {
  issuer: string;
  proxy: boolean;
  callback(): (req: IncomingMessage, res: NodeResponse) => Promise<void> | void;
  use(middleware: (ctx: OidcKoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  interactionDetails(req: IncomingMessage, res: NodeResponse): Promise<OidcInteraction>;
  interactionResult(req: IncomingMessage, res: NodeResponse, result: OidcInteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
  AccessToken: { find(value: string, options?: { ignoreExpiration?: boolean }): Promise<OidcAccessToken | undefined> };
  Client: { find(id: string): Promise<OidcClient | undefined> };
}

export const OidcProviderClass = Provider as new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

/** RFC 8707 `invalid_target`: the resource indicator names something this server does not protect. */
export const InvalidTarget = (errors as { InvalidTarget: new (description?: string) => Error }).InvalidTarget;
