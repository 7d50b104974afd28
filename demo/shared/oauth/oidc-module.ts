// @ts-expect-error oidc-provider ships no type declarations; oidc-types.ts types the part the demo uses.
import Provider, { errors } from 'oidc-provider';
import type { OidcProviderConstructor } from './oidc-types.ts';

export const OidcProviderClass = Provider as OidcProviderConstructor;

/** RFC 8707 `invalid_target`: the resource indicator names something this server does not protect. */
export const InvalidTarget = (errors as { InvalidTarget: new (description?: string) => Error }).InvalidTarget;
