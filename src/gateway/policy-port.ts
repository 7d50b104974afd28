/**
 * What the gateway asks the policy module, in the policy module's own terms. The gateway never
 * decides anything itself: it filters and refuses exactly as these answers say.
 */
export type Decision = 'allow' | 'ask' | 'block';

export interface ToolVerdict {
  decision: Decision;
  /** A sentence for the person, naming who decided and what to do. */
  reason: string;
}

export interface PersonPolicy {
  /** The connectors this person may use in this organization (enabled, available on the plan, not switched off). */
  connectors: string[];
  decide(connector: string, tool: { name: string; annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean } | undefined }): ToolVerdict;
  /** False when an owner switched the connector's interactive UI off: no `ui://` resources, no UI pointers on tools. */
  uiEnabled(connector: string): boolean;
}

export interface PolicyPort {
  forPerson(userId: string, orgId: string | undefined): Promise<PersonPolicy>;
}
